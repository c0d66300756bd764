"""Reaching a VM that `nslab vm up` put in an inventory, as Ansible does: lab key, its port."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import yaml

from lab.vm.ssh import ssh_command


def inventory_host(inventory: Path, name: str = "vm1") -> dict:
    return yaml.safe_load(inventory.read_text())["lab_vms"]["hosts"][name]


def pinned_known_hosts(host: dict) -> Path:
    """The known_hosts file the inventory tells ssh to check the VM's host key against."""
    return Path(re.search(r"UserKnownHostsFile=(\S+)", host["ansible_ssh_args"]).group(1))


def ssh(inventory: Path, command: str, name: str = "vm1") -> subprocess.CompletedProcess[str]:
    host = inventory_host(inventory, name)
    return subprocess.run(
        ssh_command(
            Path(host["ansible_ssh_private_key_file"]),
            host["ansible_port"],
            host["ansible_user"],
            pinned_known_hosts(host),
            [command],
        ),
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def qemu_pid(status_output: str, name: str = "vm1") -> int:
    """The PID `nslab vm status` gives for a running VM."""
    line = next(row for row in status_output.splitlines() if row.startswith(f"{name}\t"))
    assert "\trunning\t" in line, line
    return int(line.split("\tpid ")[1].split("\t")[0])


def exited(pid: int) -> bool:
    """The process is gone, or has exited and only waits for init to reap it (qemu daemonized, so
    it is init's child, and some inits, like this sandbox's, reap lazily)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    return state == "Z"
