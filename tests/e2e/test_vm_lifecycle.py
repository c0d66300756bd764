"""A real Debian 12 VM from `nslab vm`: fresh, reachable only with the lab key, gone after `down`.

Boots twice under qemu (TCG here: about a minute each). Uses its own state directory and
inventory, so VMs someone else brought up with `nslab vm up` are left alone; the base image is
the shared cached one.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from vm_access import exited, inventory_host, pinned_known_hosts, qemu_pid, ssh

from lab.vm.host_keys import host_key_options

pytestmark = pytest.mark.e2e

MARKER = "/home/labadmin/written-in-the-first-vm"


@dataclass(frozen=True)
class Lab:
    state_dir: Path
    inventory: Path

    def nslab(self, *arguments: str) -> str:
        options = ["--state-dir", str(self.state_dir)]
        if arguments[0] == "up":
            options += ["--inventory", str(self.inventory)]
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-m", "lab", "vm", *arguments, *options],
            capture_output=True,
            text=True,
            check=False,
        )
        print(f"nslab vm {' '.join(arguments)}: {time.monotonic() - started:.1f} s")
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def host(self) -> dict:
        return inventory_host(self.inventory)

    def ssh(self, command: str) -> subprocess.CompletedProcess[str]:
        return ssh(self.inventory, command)

    def vm_dir(self) -> Path:
        return self.state_dir / "vm1"

    def pid(self) -> int:
        return qemu_pid(self.nslab("status"))


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Lab]:
    lab = Lab(tmp_path / "state", tmp_path / "inventory" / "local.yml")
    yield lab
    # Never leave a VM running, whatever failed.
    subprocess.run(
        [sys.executable, "-m", "lab", "vm", "down", "--state-dir", str(lab.state_dir)],
        check=False,
    )


def test_fresh_vm_up_ssh_down_and_fresh_again(lab: Lab) -> None:
    base_disk = Path(lab.nslab("build").split("base image: ")[1].splitlines()[0])
    base_before = base_disk.stat().st_mtime_ns

    shown = lab.nslab("up", "-n", "1")
    assert lab.host()["ansible_user"] == "labadmin"
    # The ssh line `up` prints works as typed, host key checked, nothing asked.
    typed = next(line for line in shown.splitlines() if line.startswith("vm1: ssh "))
    logged_in = subprocess.run(
        [*shlex.split(typed.removeprefix("vm1: ")), "id", "-un"],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False, timeout=120,
    )  # fmt: skip
    assert logged_in.stdout.strip() == "labadmin", logged_in.stderr
    assert lab.host()["ansible_become"] is True
    who = lab.ssh("id -un && sudo -n true && echo sudo-ok")
    assert who.stdout.split() == ["labadmin", "sudo-ok"], who.stderr
    running = lab.ssh("systemctl is-system-running --wait")
    assert running.stdout.strip() == "running", running.stdout + running.stderr
    # Fresh: nothing of what the provisioning installs is there yet.
    assert lab.ssh("command -v docker").returncode != 0
    _assert_password_login_refused(lab)
    _assert_only_the_pinned_host_key_is_accepted(lab)
    assert lab.ssh(f"touch {MARKER}").returncode == 0

    pid = lab.pid()
    overlay = lab.vm_dir() / "overlay.qcow2"
    assert overlay.exists()
    lab.nslab("down")
    assert exited(pid)
    assert not overlay.exists()
    assert not lab.inventory.exists()
    assert "no lab VMs" in lab.nslab("status")

    lab.nslab("up")
    assert lab.ssh(f"test -e {MARKER}").returncode == 1
    assert lab.ssh("true").returncode == 0
    assert base_disk.stat().st_mtime_ns == base_before
    lab.nslab("down")


def _assert_password_login_refused(lab: Lab) -> None:
    """The server itself offers no password methods (not merely a client that did not try)."""
    host = lab.host()
    attempt = subprocess.run(
        [
            "ssh", "-v", "-p", str(host["ansible_port"]),
            *host_key_options(pinned_known_hosts(host)),
            "-o", "PreferredAuthentications=password,keyboard-interactive",
            "-o", "PubkeyAuthentication=no", "-o", "BatchMode=yes",
            f"{host['ansible_user']}@127.0.0.1", "true",
        ],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert attempt.returncode != 0
    offered = [
        line.split("can continue:")[1].strip()
        for line in attempt.stderr.splitlines()
        if "Authentications that can continue:" in line
    ]
    assert offered == ["publickey"], attempt.stderr


def _assert_only_the_pinned_host_key_is_accepted(lab: Lab) -> None:
    """The attacker's side: a server on the VM's port whose host key is not the one the controller
    made for this VM (another process that took the port, another VM on a reused port) is refused
    by ssh and by Ansible, even with host key checking turned off in the environment. Played
    with the VM itself as the impostor: its known_hosts is swapped for a key it does not hold."""
    host = lab.host()
    known_hosts = pinned_known_hosts(host)
    pinned = known_hosts.read_text()
    port = host["ansible_port"]
    assert pinned.startswith(f"[127.0.0.1]:{port} ssh-ed25519 ")
    # The key the VM presents is the one pinned, from the controller's own key pair.
    assert pinned.split()[2] == (lab.vm_dir() / "ssh_host_ed25519_key.pub").read_text().split()[1]
    other = lab.vm_dir() / "other_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other)], check=True)
    try:
        known_hosts.write_text(
            f"[127.0.0.1]:{port} ssh-ed25519 {(other.with_suffix('.pub')).read_text().split()[1]}\n"
        )
        refused = lab.ssh("true")
        assert refused.returncode == 255
        assert "Host key verification failed" in refused.stderr, refused.stderr
        ansible = subprocess.run(
            [str(Path(sys.executable).parent / "ansible"), "vm1", "-i", str(lab.inventory),
             "-m", "ansible.builtin.ping"],
            capture_output=True, text=True, check=False, timeout=300,
            env={**os.environ, "ANSIBLE_HOST_KEY_CHECKING": "False"},
        )  # fmt: skip
        assert ansible.returncode != 0
        assert "Host key verification failed" in ansible.stdout + ansible.stderr
    finally:
        known_hosts.write_text(pinned)
    assert lab.ssh("true").returncode == 0
