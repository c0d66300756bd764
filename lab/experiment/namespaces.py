"""Read a process's namespaces from /proc/<pid>/ns.

Identity is (st_dev, st_ino) from os.stat, which follows the magic link into nsfs: that is what
the kernel compares, and it stays correct if nsfs ever lives on more than one device. The link
text (`net:[4026531833]`) is kept as the evidence a student knows from `ls -l /proc/PID/ns`.
The proc root is a parameter so tests can hand in a fake tree of symlinks.
"""

from __future__ import annotations

import os
from pathlib import Path

from lab.report.model import NamespaceRef


def read_namespaces(
    pid: int | str, proc_root: str | os.PathLike[str] = "/proc"
) -> dict[str, NamespaceRef]:
    """Every namespace entry the kernel exposes for `pid`, found by listing (not a fixed list).

    Raises PermissionError / FileNotFoundError like os.stat; the caller decides what that means.
    """
    ns_dir = Path(proc_root) / str(pid) / "ns"
    refs: dict[str, NamespaceRef] = {}
    for name in sorted(os.listdir(ns_dir)):
        path = ns_dir / name
        st = os.stat(path)
        # basename: real nsfs links read "net:[N]"; fake trees point at files named like that.
        link = os.path.basename(os.readlink(path))
        refs[name] = NamespaceRef(name=name, link=link, dev=st.st_dev, inode=st.st_ino)
    return refs


def read_nspid(pid: int, proc_root: str | os.PathLike[str] = "/proc") -> list[int]:
    """NSpid from /proc/<pid>/status: the PID in each nested PID namespace, outermost first."""
    status = (Path(proc_root) / str(pid) / "status").read_text()
    for line in status.splitlines():
        if line.startswith("NSpid:"):
            return [int(p) for p in line.split()[1:]]
    return [pid]  # kernels before 4.1 have no NSpid; the PID is then the only one we know
