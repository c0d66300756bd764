"""The inventory `nslab vm up` writes, as Ansible itself reads it."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
from pathlib import Path

from lab.vm.inventory import SSH_TIMEOUT_S, InventoryHost, inventory_document, write_inventory

VENV_BIN = Path(sys.executable).parent
# Where `nslab vm up` keeps the VMs' known_hosts by default (only named here, never written).
STATE_DIR = Path("/var/cache/nslab/vm/machines")


def _write(tmp_path: Path) -> Path:
    document = inventory_document(
        [
            InventoryHost("vm1", 40001, "vm1", STATE_DIR / "vm1" / "known_hosts"),
            InventoryHost("vm2", 40002, "vm2", STATE_DIR / "vm2" / "known_hosts"),
        ],
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
    # Fresh VMs have new host keys on reused ports: each is checked against its own pinned key.
    assert f"UserKnownHostsFile={STATE_DIR / 'vm2' / 'known_hosts'}" in vm2["ansible_ssh_args"]
    assert "StrictHostKeyChecking=yes" in vm2["ansible_ssh_args"]
    assert vm2["ansible_host_key_checking"] is True


def ssh_options_used(
    inventory: Path, host: str, exported: dict[str, str] | None = None
) -> dict[str, str]:
    """The options of the ssh command Ansible runs for `host` with the project's ansible.cfg,
    each with the value ssh takes (its first); the port is closed, so Ansible stops there."""
    project = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [str(VENV_BIN / "ansible"), host, "-i", str(inventory), "-m", "ansible.builtin.ping",
         "-vvvv"],
        capture_output=True,
        text=True,
        env={"PATH": f"{VENV_BIN}:/usr/bin:/bin", "ANSIBLE_CONFIG": str(project / "ansible.cfg"),
             "HOME": str(inventory.parent), **(exported or {})},
        check=False,
    )  # fmt: skip
    command = next(line for line in done.stdout.splitlines() if "SSH: EXEC" in line)
    options: dict[str, str] = {}
    for name, value in re.findall(r"-o '?([A-Za-z]+)=([^ ']+)", command):
        options.setdefault(name, value)
    return options


def test_vm_ssh_settings_apply_to_the_local_vms_only(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    vms = write_inventory(
        tmp_path / "local.yml",
        inventory_document(
            [InventoryHost("vm1", closed, "vm1", tmp_path / "known_hosts")],
            "labadmin",
            tmp_path / "key",
        ),
    )
    vm_ssh = ssh_options_used(vms, "vm1")
    assert vm_ssh["StrictHostKeyChecking"] == "yes"
    assert vm_ssh["UserKnownHostsFile"] == str(tmp_path / "known_hosts")
    assert vm_ssh["GlobalKnownHostsFile"] == "/dev/null"
    assert vm_ssh["PreferredAuthentications"] == "publickey"
    # An emulated VM that is slow to answer (sudo, on a busy controller) is waited for.
    assert vm_ssh["ConnectTimeout"] == str(SSH_TIMEOUT_S)
    # A user who turned host key checking off for their own machines does not turn it off here:
    # Ansible's StrictHostKeyChecking=no comes after the inventory's, and ssh takes the first.
    relaxed = ssh_options_used(vms, "vm1", {"ANSIBLE_HOST_KEY_CHECKING": "False"})
    assert relaxed["StrictHostKeyChecking"] == "yes"
    school = tmp_path / "school.ini"
    school.write_text(f"[lab_vms]\npc1 ansible_host=127.0.0.1 ansible_port={closed}\n")
    school_ssh = ssh_options_used(school, "pc1")
    assert school_ssh["ControlPersist"] == "60s", "the project's ansible.cfg is in use"
    assert "StrictHostKeyChecking" not in school_ssh
    assert "UserKnownHostsFile" not in school_ssh
    assert school_ssh["PreferredAuthentications"] != "publickey"
    assert school_ssh["ConnectTimeout"] == "10", "a class's machines keep Ansible's default"


def test_written_inventory_is_yamllint_clean(tmp_path: Path) -> None:
    # Under a long path (a project or cache deep in a home directory): a path is not wrapped.
    deep = tmp_path / ("a-long-directory-name-" * 4) / "nslab"
    deep.mkdir(parents=True)
    inventory = _write(deep)
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
    smaller = inventory_document(
        [InventoryHost("vm1", 41000, "vm1", Path("/s/vm1/known_hosts"))], "u", Path("/k")
    )
    write_inventory(inventory, smaller)
    text = inventory.read_text()
    assert "41000" in text and "vm2" not in text
    assert [path.name for path in inventory.parent.iterdir()] == ["local.yml"]


def test_the_inventory_carries_the_docker_source_the_default_class_chose(tmp_path: Path) -> None:
    """`nslab provision -i inventory/local.yml` after `nslab provision`: the same stand-in and
    lab image archive, as Ansible reads the file; a later choice of download.docker.com takes
    them out again."""
    from lab.summary.outcome import class_docker_source
    from lab.vm.inventory import set_class_variables

    inventory = _write(tmp_path)
    standin = {
        "docker_engine_mirror": "http://10.0.2.2:18080",
        "namespace_lab_image_archive": "/var/cache/nslab/lab-image.tar",
    }

    def hostvars() -> dict:
        listing = subprocess.run(
            [str(VENV_BIN / "ansible-inventory"), "-i", str(inventory), "--list"],
            capture_output=True,
            text=True,
            check=True,
        )
        return json.loads(listing.stdout)["_meta"]["hostvars"]

    set_class_variables(inventory, standin)
    assert {host: {k: v[k] for k in standin} for host, v in hostvars().items()} == {
        "vm1": standin,
        "vm2": standin,
    }
    assert class_docker_source(hostvars(), {}) == "http://10.0.2.2:18080"
    assert hostvars()["vm1"]["ansible_port"] == 40001  # the connection settings stay

    set_class_variables(inventory, {})
    assert class_docker_source(hostvars(), {}) == "download.docker.com"
    assert "namespace_lab_image_archive" not in hostvars()["vm1"]
