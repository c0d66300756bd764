"""The stand-in served on loopback, as qemu VMs reach it (10.0.2.2 from the guest)."""

from __future__ import annotations

import hashlib
import socket
import urllib.request
from pathlib import Path

import pytest

from lab.debian.loopback import serve_on_loopback, stop_loopback
from lab.testing import Testbed

pytestmark = pytest.mark.integration


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_serve_reuse_and_stop(testbed: Testbed, tmp_path: Path) -> None:
    pidfile = tmp_path / "standin.pid"
    server = serve_on_loopback(testbed.standin_root, free_port(), pidfile, testbed.key_sha256)
    try:
        with urllib.request.urlopen(f"{server.url}/linux/debian/gpg", timeout=5) as answer:
            assert hashlib.sha256(answer.read()).hexdigest() == testbed.key_sha256
        assert server.url_from_qemu_guest == f"http://10.0.2.2:{server.port}"
        again = serve_on_loopback(testbed.standin_root, server.port, pidfile, testbed.key_sha256)
        assert again.pid == server.pid
    finally:
        assert stop_loopback(pidfile)
    assert not pidfile.exists()
    assert not Path(f"/proc/{server.pid}").exists()
    assert not stop_loopback(pidfile)
