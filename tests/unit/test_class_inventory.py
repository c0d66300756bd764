"""The example class inventory parses, and a run with no lab hosts says what to do."""

from __future__ import annotations

import json
import os
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
