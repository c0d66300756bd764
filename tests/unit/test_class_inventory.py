"""The example class inventory parses, and a run with no lab hosts says what to do."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
EXAMPLE = PROJECT_DIR / "inventory" / "class.example.yml"


def ansible(tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(VENV_BIN / tool), *args],
        cwd=PROJECT_DIR,
        env={**os.environ, "ANSIBLE_NOCOLOR": "1"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_example_inventory_declares_an_empty_lab_vms_group() -> None:
    result = ansible("ansible-inventory", "-i", str(EXAMPLE), "--list")

    assert result.returncode == 0, result.stderr
    inventory = json.loads(result.stdout)
    assert "lab_vms" in inventory["all"]["children"]
    assert inventory.get("lab_vms", {}).get("hosts", []) == []


def test_lab_playbook_without_hosts_says_what_to_do() -> None:
    result = ansible("ansible-playbook", "-i", str(EXAMPLE), "playbooks/lab.yml")

    output = " ".join((result.stdout + result.stderr).split())
    assert result.returncode != 0
    assert "The inventory has no hosts in the lab_vms group" in output
    assert "inventory/class.example.yml" in output


def test_a_generated_local_inventory_joins_the_same_group(tmp_path: Path) -> None:
    # What `nslab vm up` writes as inventory/local.yml, next to the example and group_vars.
    inventory_dir = tmp_path / "inventory"
    shutil.copytree(
        PROJECT_DIR / "inventory", inventory_dir, ignore=shutil.ignore_patterns("local.yml")
    )
    (inventory_dir / "local.yml").write_text(
        "---\nlab_vms:\n  hosts:\n    nslab-vm1:\n      ansible_host: 127.0.0.1\n"
        "      ansible_port: 2222\n      student_id: s001\n"
    )

    result = ansible("ansible-inventory", "-i", str(inventory_dir), "--host", "nslab-vm1")

    assert result.returncode == 0, result.stderr
    host = json.loads(result.stdout)
    assert host["student_id"] == "s001"
    # Class-wide settings from group_vars/lab_vms.yml reach generated hosts too.
    assert host["ansible_python_interpreter"] == "/usr/bin/python3"
