"""Reaching lab VMs over SSH with the lab key, checking the host key pinned for each VM.

Every `up` boots fresh VMs with new host keys on ports that get reused, so nothing is read from or
written to ~/.ssh/known_hosts: each VM's own known_hosts holds the one key it may present
(lab.vm.host_keys).
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from lab.vm.errors import VmError
from lab.vm.host_keys import host_key_options
from lab.vm.state import VmPaths

SSH_HOST = "127.0.0.1"
POLL_INTERVAL_S = 2.0


def ssh_command(key: Path, port: int, user: str, known_hosts: Path, remote: list[str]) -> list[str]:
    return [
        "ssh", "-i", str(key), "-p", str(port), *host_key_options(known_hosts),
        "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "LogLevel=ERROR",
        "-o", "ConnectTimeout=10",
        f"{user}@{SSH_HOST}", "--", *remote,
    ]  # fmt: skip


def wait_for_ssh(
    key: Path,
    port: int,
    user: str,
    paths: VmPaths,
    deadline: float,
    still_booting: Callable[[], bool],
) -> None:
    """Return once `user` logs in with `key` and runs a command; raise with the console's tail."""
    last_error = ""
    while time.monotonic() < deadline:
        if not still_booting():
            raise VmError(_failure("qemu exited before SSH answered", paths.serial_log, last_error))
        answer = subprocess.run(
            ssh_command(key, port, user, paths.known_hosts, ["true"]),
            capture_output=True,
            text=True,
            check=False,
        )
        if answer.returncode == 0:
            return
        last_error = answer.stderr.strip()
        time.sleep(POLL_INTERVAL_S)
    raise VmError(
        _failure(f"SSH on {SSH_HOST}:{port} did not answer in time", paths.serial_log, last_error)
    )


def _failure(what: str, serial_log: Path, ssh_error: str, lines: int = 25) -> str:
    try:
        console = serial_log.read_text(errors="replace").splitlines()[-lines:]
    except FileNotFoundError:
        console = []
    console = console or ["(nothing yet)"]
    return (
        f"{what}; last ssh error: {ssh_error or 'none'}\n"
        f"last lines of the serial console ({serial_log}):\n" + "\n".join(console)
    )
