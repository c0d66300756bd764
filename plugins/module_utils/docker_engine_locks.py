"""Who holds apt's and dpkg's locks: read by the role's probe (to say whom a run will wait for)
and by its apt steps (to wait, and to name the holder when the wait runs out).

apt and dpkg lock with fcntl; the kernel lists those locks in /proc/locks by device and inode,
with the holder's pid (0 or -1 for locks of processes outside this pid namespace or OFD locks).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

LOCK_FILES = (
    "/var/lib/dpkg/lock-frontend",
    "/var/lib/dpkg/lock",
    "/var/lib/apt/lists/lock",
    "/var/cache/apt/archives/lock",
)

FileId = tuple[int, int, int]  # major, minor, inode: how /proc/locks names a file


def parse_lock_holders(
    proc_locks: str, lock_files: set[FileId], command_of: Callable[[str], str]
) -> list[str]:
    """Holders of `lock_files` in /proc/locks text, as "command (pid N)"."""
    holders: list[str] = []
    for line in proc_locks.splitlines():
        fields = line.split()
        if len(fields) < 6 or fields[1] == "->":  # "->": a process waiting, not holding
            continue
        pid, file_id = fields[4], fields[5].split(":")
        if pid in ("0", "-1") or len(file_id) != 3:
            continue
        major, minor, inode = int(file_id[0], 16), int(file_id[1], 16), int(file_id[2])
        if (major, minor, inode) in lock_files:
            holder = f"{command_of(pid)} (pid {pid})"
            if holder not in holders:
                holders.append(holder)
    return holders


def lock_holders() -> list[str]:
    lock_files = set()
    for path in LOCK_FILES:
        try:
            info = os.stat(path)
        except FileNotFoundError:
            continue
        lock_files.add((os.major(info.st_dev), os.minor(info.st_dev), info.st_ino))
    return parse_lock_holders(Path("/proc/locks").read_text(), lock_files, _command)


def _command(pid: str) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return "a process that just ended"
