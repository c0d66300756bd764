"""Each VM's SSH host key: made on the controller, handed to the VM at boot, pinned for SSH.

The controller makes the key before qemu starts and passes the private half to the guest through
qemu's firmware configuration device (fw_cfg, readable by root only inside the guest), where the
image's ssh.service installs it before sshd starts. So the controller knows the key before the
first connection, and every SSH to a lab VM checks it: a process that took the forwarded port,
or another VM now on a reused port, is refused — nothing is trusted on first use.
"""

from __future__ import annotations

from pathlib import Path

from lab.debian.shell import run
from lab.vm.state import VmPaths

# The name the guest reads it under: /sys/firmware/qemu_fw_cfg/by_name/<FW_CFG_NAME>/raw
FW_CFG_NAME = "opt/nslab/ssh_host_ed25519_key"
GUEST_KEY_PATH = "/etc/ssh/ssh_host_ed25519_key"


def make_host_key(paths: VmPaths, name: str) -> None:
    """A fresh ed25519 host key for this boot (any earlier one of this VM is replaced)."""
    paths.host_key.unlink(missing_ok=True)
    paths.host_key.with_name(paths.host_key.name + ".pub").unlink(missing_ok=True)
    run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"nslab {name}",
         "-f", str(paths.host_key)])  # fmt: skip


def pin_host_key(paths: VmPaths, host: str, port: int) -> None:
    """Write the VM's known_hosts: its one host key, for the address and port it answers on."""
    key_type, key = paths.host_key.with_name(paths.host_key.name + ".pub").read_text().split()[:2]
    paths.known_hosts.write_text(f"[{host}]:{port} {key_type} {key}\n")


def host_key_options(known_hosts: Path) -> tuple[str, ...]:
    """ssh options that accept the VM's pinned key and nothing else, and remember nothing."""
    return (
        "-o", f"UserKnownHostsFile={known_hosts}",
        "-o", "StrictHostKeyChecking=yes",
        "-o", "GlobalKnownHostsFile=/dev/null",
    )  # fmt: skip
