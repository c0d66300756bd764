"""Fresh Debian 12 hosts for the benchmarks, and a command run against them with its cost.

Hosts are the test bed's systemd containers (what Molecule and the integration tests use),
reached with the community.docker.docker connection; Docker comes from the stand-in for
download.docker.com, Debian's packages from Debian's mirror.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import docker
from docker.models.containers import Container

from lab.testing import Testbed
from lab.testing.aptcache import received_bytes
from lab.testing.hosts import running_host

SAMPLE_EVERY_S = 0.5


@contextmanager
def fresh_hosts(
    client: docker.DockerClient, testbed: Testbed, count: int, purpose: str
) -> Iterator[list[Container]]:
    """`count` hosts booted from the same image; removed (with their volumes) afterwards."""
    with ExitStack() as stack:
        yield [
            stack.enter_context(
                running_host(
                    client,
                    testbed.host_image,
                    f"nslab-bench-{purpose}-{number}-{os.getpid()}",
                    testbed.network,
                    purpose,
                )
            )
            for number in range(1, count + 1)
        ]


def write_inventory(path: Path, hosts: list[Container], variables: dict[str, object]) -> Path:
    """A class inventory: the hosts in lab_vms (s01, s02, ...) with `variables` for the group."""
    members = {
        f"s{number:02d}": {
            "ansible_connection": "community.docker.docker",
            "ansible_host": container.name,
            # Ansible skips become (sudo, which these hosts lack) when it already is that user.
            "ansible_user": "root",
            "ansible_python_interpreter": "/usr/bin/python3",
        }
        for number, container in enumerate(hosts, start=1)
    }
    inventory = {"all": {"children": {"lab_vms": {"hosts": members, "vars": variables}}}}
    path.write_text(json.dumps(inventory, indent=2))
    return path


@dataclass(frozen=True)
class Measured:
    """One command's wall time and what it cost this machine."""

    seconds: float
    returncode: int
    output: str
    cpu_seconds: float  # user + system of the command and everything it started and reaped
    peak_pss_mib: float  # largest proportional set size of its whole process tree at once
    machine_busy: float  # share of all CPUs busy during the command (0-1), whoever used them


def measure(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> Measured:
    before_cpu = _children_cpu()
    before_stat = _cpu_ticks()
    started = time.monotonic()
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    peak = _PeakSampler(process.pid)
    peak.start()
    output, _ = process.communicate()
    seconds = time.monotonic() - started
    peak.stop()
    busy, total = (after - before for after, before in zip(_cpu_ticks(), before_stat, strict=True))
    return Measured(
        seconds=seconds,
        returncode=process.returncode,
        output=output,
        cpu_seconds=_children_cpu() - before_cpu,
        peak_pss_mib=peak.peak_bytes / 2**20,
        machine_busy=busy / total if total else 0.0,
    )


def received_bytes_total(hosts: list[Container]) -> int:
    """Bytes the hosts' network interfaces received: their downloads (Ansible reaches them
    through `docker exec`, not their network)."""
    return sum(received_bytes(container) for container in hosts)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _cpu_ticks() -> tuple[int, int]:
    """(busy, total) jiffies over all CPUs from /proc/stat."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


class _PeakSampler:
    """Samples the PSS of a process and all its descendants until stopped; keeps the peak."""

    def __init__(self, root: int) -> None:
        self.root = root
        self.peak_bytes = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._done.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._done.is_set():
            self.peak_bytes = max(self.peak_bytes, sum(map(_pss, _tree(self.root))))
            self._done.wait(SAMPLE_EVERY_S)


def _tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue  # the process ended while we looked
        children.setdefault(parent, []).append(int(stat.parent.name))
    found, pending = [], [root]
    while pending:
        pid = pending.pop()
        found.append(pid)
        pending += children.get(pid, [])
    return found


def _pss(pid: int) -> int:
    """Proportional set size: shared pages (forked Ansible workers share many) counted once."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0
