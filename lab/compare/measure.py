"""Pure readings: a process's memory cgroup, a process's resident memory, a file's real size.

Roots are parameters so tests hand in fake trees of the same files the kernel shows.
"""

from __future__ import annotations

import os
from pathlib import Path


def memory_cgroup(proc_cgroup: str) -> tuple[str, str] | None:
    """("v1", path) from a `N:memory:/path` line, else ("v2", path) from the unified `0::/path`."""
    unified = None
    for line in proc_cgroup.splitlines():
        number, _, rest = line.partition(":")
        controllers, _, path = rest.partition(":")
        if "memory" in controllers.split(","):
            return "v1", path
        if number == "0" and controllers == "":
            unified = path
    return ("v2", unified) if unified is not None else None


def _stat_value(stat: str, key: str) -> int:
    for line in stat.splitlines():
        name, _, value = line.partition(" ")
        if name == key:
            return int(value)
    return 0


Root = str | os.PathLike[str]


def cgroup_memory_bytes(
    pid: int, proc_root: Root = "/proc", cgroup_root: Root = "/sys/fs/cgroup"
) -> int:
    """The memory of `pid`'s cgroup counted like `docker stats`: usage less inactive file cache.

    cgroup v1: memory/<path>/memory.usage_in_bytes less total_inactive_file of memory.stat;
    cgroup v2: <path>/memory.current less inactive_file.
    """
    found = memory_cgroup(Path(proc_root, str(pid), "cgroup").read_text())
    if found is None:
        raise ValueError(f"process {pid} is in no memory cgroup")
    version, path = found
    if version == "v1":
        directory = Path(cgroup_root, "memory", path.lstrip("/"))
        usage = int((directory / "memory.usage_in_bytes").read_text())
        inactive = _stat_value((directory / "memory.stat").read_text(), "total_inactive_file")
    else:
        directory = Path(cgroup_root, path.lstrip("/"))
        usage = int((directory / "memory.current").read_text())
        inactive = _stat_value((directory / "memory.stat").read_text(), "inactive_file")
    return max(usage - inactive, 0)


def rss_bytes(pid: int, proc_root: Root = "/proc") -> int:
    """VmRSS of /proc/<pid>/status: the process's resident memory."""
    for line in Path(proc_root, str(pid), "status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            value, unit = line.split()[1:3]
            if unit != "kB":
                raise ValueError(f"unexpected VmRSS unit {unit!r} for process {pid}")
            return int(value) * 1024
    raise ValueError(f"process {pid} reports no VmRSS (a kernel thread, or gone)")


def allocated_bytes(*paths: Path) -> int:
    """What the files really take on disk (allocated blocks): a sparse 8 GiB qcow2 is not 8 GiB."""
    return sum(os.stat(path).st_blocks * 512 for path in paths)
