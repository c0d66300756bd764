"""The inventory `nslab vm up` writes, as Ansible itself reads it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from lab.vm.inventory import InventoryHost, inventory_document, write_inventory

VENV_BIN = Path(sys.executable).parent


def _write(tmp_path: Path) -> Path:
    document = inventory_document(
        [InventoryHost("vm1", 40001, "vm1"), InventoryHost("vm2", 40002, "vm2")],
        "labadmin",
        tmp_path / "key" / "id_ed25519",
    )
    return write_inventory(tmp_path / "inventory" / "local.yml", document)


def test_ansible_reads_every_connection_setting(tmp_path: Path) -> None:
    inventory = _write(tmp_path)
    listing = subprocess.run(
        [str(VENV_BIN / "ansible-inventory"), "-i", str(inventory), "--list"],
        capture_output=True,
        text=True,
        check=True,
    )
    parsed = json.loads(listing.stdout)
    assert parsed["lab_vms"]["hosts"] == ["vm1", "vm2"]
    vm2 = parsed["_meta"]["hostvars"]["vm2"]
    assert vm2["ansible_host"] == "127.0.0.1"
    assert vm2["ansible_port"] == 40002
    assert vm2["ansible_user"] == "labadmin"
    assert vm2["ansible_become"] is True
    assert vm2["student_id"] == "vm2"
    assert vm2["ansible_ssh_private_key_file"] == str(tmp_path / "key" / "id_ed25519")
    # Fresh VMs have new host keys on reused ports: never check or remember them.
    assert "UserKnownHostsFile=/dev/null" in vm2["ansible_ssh_common_args"]
    assert "StrictHostKeyChecking=no" in vm2["ansible_ssh_common_args"]


def test_written_inventory_is_yamllint_clean(tmp_path: Path) -> None:
    inventory = _write(tmp_path)
    project = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [str(VENV_BIN / "yamllint"), "--strict", "-c", str(project / ".yamllint"), str(inventory)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout


def test_rewrite_replaces_the_previous_hosts(tmp_path: Path) -> None:
    inventory = _write(tmp_path)
    smaller = inventory_document([InventoryHost("vm1", 41000, "vm1")], "u", Path("/k"))
    write_inventory(inventory, smaller)
    text = inventory.read_text()
    assert "41000" in text and "vm2" not in text
    assert [path.name for path in inventory.parent.iterdir()] == ["local.yml"]
