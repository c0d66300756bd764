"""util-linux's lsns: the experiment tests' independent oracle for namespace identities."""

from __future__ import annotations

import json
import subprocess


def lsns(pid: int) -> list[dict]:
    """util-linux's view of `pid`'s namespaces.

    --list: without it the JSON is a process tree, and an unshare child's PID namespace sits nested
    under its parent's entry. lsns -p scans every process; Debian 12's util-linux (2.38) gives up
    with exit 1 when one of them exits mid-scan (later versions tolerate it), which happens on a
    busy machine. A few tries tell that apart from a process that is really gone.
    """
    for _ in range(3):
        result = subprocess.run(
            ["lsns", "-J", "--list", "-p", str(pid)], capture_output=True, text=True, check=False
        )
        if result.returncode == 0:
            return json.loads(result.stdout)["namespaces"]
    raise AssertionError(f"lsns -p {pid}: {result.stderr}")
