"""Who holds apt's and dpkg's locks: read by the role's probe (to say whom a run will wait for)
and by its apt steps (to wait, and to name the holder when the wait runs out)."""

from __future__ import annotations

import re
import subprocess

APT_LOCKS = re.compile(
    r"^(/var/lib/dpkg/lock(-frontend)?|/var/lib/apt/lists/lock|/var/cache/apt/archives/lock)$"
)


def parse_lock_holders(lslocks_output: str) -> list[str]:
    """Holders of apt's and dpkg's locks in `lslocks --raw -o COMMAND,PID,PATH` output, as
    "command (pid N)"."""
    holders: list[str] = []
    for line in lslocks_output.splitlines():
        parts = line.split(" ", 2)
        if len(parts) == 3 and APT_LOCKS.match(parts[2]):
            holder = f"{parts[0]} (pid {parts[1]})"
            if holder not in holders:
                holders.append(holder)
    return holders


def lock_holders() -> list[str]:
    """apt and dpkg lock with fcntl; lslocks (util-linux, on every Debian) names who holds them."""
    result = subprocess.run(
        ["lslocks", "--noheadings", "--raw", "--output", "COMMAND,PID,PATH"],
        capture_output=True,
        text=True,
        check=False,
    )
    return parse_lock_holders(result.stdout)
