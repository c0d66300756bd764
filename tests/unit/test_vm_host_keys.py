"""Each VM's host key: made fresh for each boot, pinned for its port alone."""

from __future__ import annotations

from pathlib import Path

from lab.vm.host_keys import make_host_key, pin_host_key
from lab.vm.state import VmPaths


def test_each_boot_gets_a_new_key_pinned_for_its_port_only(tmp_path: Path) -> None:
    paths = VmPaths(tmp_path / "vm1")
    paths.directory.mkdir()
    make_host_key(paths, "vm1")
    assert paths.host_key.stat().st_mode & 0o777 == 0o600
    first = paths.host_key.with_name("ssh_host_ed25519_key.pub").read_text().split()[1]
    pin_host_key(paths, "127.0.0.1", 40022)
    assert paths.known_hosts.read_text() == f"[127.0.0.1]:40022 ssh-ed25519 {first}\n"

    make_host_key(paths, "vm1")
    pin_host_key(paths, "127.0.0.1", 40023)
    second = paths.known_hosts.read_text().split()
    assert second[0] == "[127.0.0.1]:40023" and second[2] != first
