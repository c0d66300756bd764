"""util-linux's lsns: the experiment tests' independent oracle for namespace identities."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable

# argv -> (exit code, stdout, stderr): where lsns runs (here, or inside a test-bed host).
Runner = Callable[[list[str]], tuple[int, str, str]]


def run_here(argv: list[str]) -> tuple[int, str, str]:
    result = subprocess.run(argv, capture_output=True, text=True, check=False)
    return result.returncode, result.stdout, result.stderr


def lsns(pid: int, run: Runner = run_here) -> list[dict]:
    """util-linux's view of `pid`'s namespaces.

    --list: without it the JSON is a process tree, and an unshare child's PID namespace sits nested
    under its parent's entry. lsns -p scans every process; Debian 12's util-linux (2.38) gives up
    with exit 1 when one of them exits mid-scan (later versions tolerate it), which happens on a
    busy machine. A few tries tell that apart from a process that is really gone.
    """
    for _ in range(3):
        code, stdout, stderr = run(["lsns", "-J", "--list", "-p", str(pid)])
        if code == 0:
            return json.loads(stdout)["namespaces"]
    raise AssertionError(f"lsns -p {pid}: {stderr}")
