"""Where running VMs are remembered, so `up`, `status` and `down` work across commands.

One directory per VM under the state root: its overlay disk, serial log, qemu pidfile, SSH host
key with the known_hosts that pins it, and a `vm.json` record. A recorded PID counts as the VM
only while that process still has the VM's overlay on its command line, so a PID reused by
another program is never mistaken for (or killed as) a VM.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class VmPaths:
    directory: Path

    @property
    def overlay(self) -> Path:
        return self.directory / "overlay.qcow2"

    @property
    def serial_log(self) -> Path:
        return self.directory / "serial.log"

    @property
    def pidfile(self) -> Path:
        return self.directory / "qemu.pid"

    @property
    def record(self) -> Path:
        return self.directory / "vm.json"

    @property
    def host_key(self) -> Path:
        """The VM's SSH host key (private half; `.pub` beside it), made for each boot."""
        return self.directory / "ssh_host_ed25519_key"

    @property
    def known_hosts(self) -> Path:
        return self.directory / "known_hosts"


@dataclass(frozen=True)
class VmRecord:
    name: str
    pid: int
    ssh_port: int
    accel: str
    base_image: str
    memory_mib: int
    cpus: int
    inventory: str


@dataclass(frozen=True)
class StateDir:
    root: Path

    def paths(self, name: str) -> VmPaths:
        return VmPaths(self.root / name)

    def save(self, record: VmRecord) -> None:
        target = self.paths(record.name).record
        partial = target.with_name(f".{target.name}.{os.getpid()}")
        partial.write_text(json.dumps(asdict(record), indent=2) + "\n")
        os.replace(partial, target)

    def records(self) -> list[VmRecord]:
        if not self.root.is_dir():
            return []
        found = [VmRecord(**json.loads(path.read_text())) for path in self.root.glob("*/vm.json")]
        return sorted(found, key=lambda record: _natural(record.name))

    def is_running(self, record: VmRecord) -> bool:
        return process_has_argument(record.pid, str(self.paths(record.name).overlay))


def process_has_argument(pid: int, needle: str) -> bool:
    """True if process `pid` exists and one of its arguments contains `needle`."""
    try:
        arguments = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return False
    return any(needle.encode() in argument for argument in arguments)


def _natural(name: str) -> tuple[str, int]:
    """vm2 before vm10."""
    stem = name.rstrip("0123456789")
    digits = name[len(stem) :]
    return (stem, int(digits) if digits else -1)
