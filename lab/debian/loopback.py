"""Serving the stand-in repository on the controller's loopback, for qemu VMs.

A VM on qemu user networking reaches the controller's 127.0.0.1 as 10.0.2.2, so a plain HTTP
server bound to loopback is enough; nothing outside the machine can reach it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from lab.errors import LabError

READY_TIMEOUT_S = 15.0
QEMU_USER_NET_HOST = "10.0.2.2"


@dataclass(frozen=True)
class LoopbackServer:
    pid: int
    port: int
    pidfile: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url_from_qemu_guest(self) -> str:
        return f"http://{QEMU_USER_NET_HOST}:{self.port}"


def serve_on_loopback(root: Path, port: int, pidfile: Path, key_sha256: str) -> LoopbackServer:
    """Serve `root` on 127.0.0.1:`port` in the background; reuse a server already doing so."""
    running = _running_pid(pidfile)
    if running is not None and _serves(port, key_sha256):
        return LoopbackServer(pid=running, port=port, pidfile=pidfile)
    if running is not None:
        stop_loopback(pidfile)
    log = pidfile.with_suffix(".log")
    with open(log, "wb") as log_file:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "http.server",
                str(port),
                "--bind",
                "127.0.0.1",
                "--directory",
                str(root),
            ],
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=log_file,
            start_new_session=True,  # outlives this process; stopped by its pid
        )
    pidfile.write_text(f"{process.pid}\n")
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pidfile.unlink(missing_ok=True)
            raise LabError(f"HTTP server on 127.0.0.1:{port} exited: {log.read_text()[-2000:]}")
        if _serves(port, key_sha256):
            return LoopbackServer(pid=process.pid, port=port, pidfile=pidfile)
        time.sleep(0.1)
    stop_loopback(pidfile)
    raise LabError(f"HTTP server on 127.0.0.1:{port} did not serve {root} in time")


def stop_loopback(pidfile: Path) -> bool:
    """Stop the server recorded in `pidfile`; return False if none was running."""
    pid = _running_pid(pidfile)
    pidfile.unlink(missing_ok=True)
    if pid is None:
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline and _is_our_server(pid):
        time.sleep(0.05)
    if _is_our_server(pid):
        os.kill(pid, signal.SIGKILL)
    _reap(pid)
    return True


def _reap(pid: int) -> None:
    """Collect the exit status if this process started the server, so no zombie stays behind."""
    # Started by another process: its exit status is that process's to collect.
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


def _running_pid(pidfile: Path) -> int | None:
    try:
        pid = int(pidfile.read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if _is_our_server(pid) else None


def _is_our_server(pid: int) -> bool:
    """True if `pid` is alive and still an http.server: a recycled pid must never be killed."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z" and b"http.server" in cmdline


def _serves(port: int, key_sha256: str) -> bool:
    try:
        url = f"http://127.0.0.1:{port}/linux/debian/gpg"
        with urllib.request.urlopen(url, timeout=2) as answer:
            return hashlib.sha256(answer.read()).hexdigest() == key_sha256
    except (urllib.error.URLError, OSError):
        return False
