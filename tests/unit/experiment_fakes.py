"""Fake /proc trees and fingerprints for the experiment's unit tests.

A fake namespace is a regular file named like the kernel's link text (`net:[4026532415]`) in a
shared "nsfs" directory; /proc/<pid>/ns/<name> is a symlink to it. os.stat follows the link, so two
processes "share" a namespace exactly when their links point at the same file, as with nsfs.
"""

from __future__ import annotations

import os
from pathlib import Path

from lab.experiment.analysis import analyse
from lab.experiment.scenarios import SCENARIOS
from lab.report.model import (
    ContainerInfo,
    DockerFacts,
    Fingerprint,
    HostReference,
    NamespaceRef,
    Report,
    Runtime,
)

# The course note's own table (Debian 12.11, cgroup v2, docker-ce of July 2025) plus the host's
# initial namespaces it implies for time and user.
COURSE_NOTE_HOST = {
    "cgroup": 4026531835, "ipc": 4026531839, "mnt": 4026531841, "net": 4026531840,
    "pid": 4026531836, "pid_for_children": 4026531836, "time": 4026531834,
    "time_for_children": 4026531834, "user": 4026531837, "uts": 4026531838,
}  # fmt: skip
COURSE_NOTE_CONTAINER1 = {
    "cgroup": 4026532414, "ipc": 4026532412, "mnt": 4026532410, "net": 4026532415,
    "pid": 4026532413, "pid_for_children": 4026532413, "time": 4026531834,
    "time_for_children": 4026531834, "user": 4026531837, "uts": 4026532411,
}  # fmt: skip
COURSE_NOTE_CONTAINER2 = {
    "cgroup": 4026532490, "ipc": 4026532488, "mnt": 4026532486, "net": 4026532491,
    "pid": 4026532489, "pid_for_children": 4026532489, "time": 4026531834,
    "time_for_children": 4026531834, "user": 4026531837, "uts": 4026532487,
}  # fmt: skip
COURSE_NOTE_PIDS = {"host": 1, "container1": 43370, "container2": 43438}


def fake_proc(root: Path, processes: dict[int, dict[str, int]]) -> Path:
    """Build root/proc/<pid>/ns/<name> -> root/nsfs/<type>:[<inode>] and return root/proc."""
    nsfs, proc = root / "nsfs", root / "proc"
    nsfs.mkdir(parents=True, exist_ok=True)
    for pid, namespaces in processes.items():
        ns_dir = proc / str(pid) / "ns"
        ns_dir.mkdir(parents=True)
        for name, inode in namespaces.items():
            kind = name.removesuffix("_for_children")
            target = nsfs / f"{kind}:[{inode}]"
            target.touch()
            os.symlink(os.path.relpath(target, ns_dir), ns_dir / name)
    return proc


def course_note_proc(root: Path) -> Path:
    return fake_proc(
        root,
        {
            COURSE_NOTE_PIDS["host"]: COURSE_NOTE_HOST,
            COURSE_NOTE_PIDS["container1"]: COURSE_NOTE_CONTAINER1,
            COURSE_NOTE_PIDS["container2"]: COURSE_NOTE_CONTAINER2,
        },
    )


def fingerprint(
    *,
    engine: str = "20.10.24+dfsg1",
    cgroup: str = "2",
    kernel: str = "6.1.0-35-amd64",
    userns_remap: bool = False,
    rootless: bool = False,
    features: dict[str, bool] | None = None,
    features_source: str | None = "none set",
    namespace_types: list[str] | None = None,
) -> Fingerprint:
    options = ["name=seccomp,profile=builtin"]
    if cgroup == "2":
        options.append("name=cgroupns")
    if userns_remap:
        options.append("name=userns")
    if rootless:
        options.append("name=rootless")
    return Fingerprint(
        hostname="debian12",
        kernel=kernel,
        os_release={
            "ID": "debian",
            "VERSION_ID": "12",
            "PRETTY_NAME": "Debian GNU/Linux 12 (bookworm)",
        },
        boot_id="5b1f3c1e-0000-4000-8000-000000000000",
        host_namespace_types=namespace_types or sorted(COURSE_NOTE_HOST),
        host_reference=HostReference(pid=1, source="pid1"),
        docker=DockerFacts(
            server_version=engine,
            api_version="1.41",
            min_api_version="1.12",
            cgroup_version=cgroup,
            cgroup_driver="systemd",
            security_options=options,
            userns_remap=userns_remap,
            rootless=rootless,
            features=features or {},
            features_source=features_source,
        ),
    )


def course_note_namespaces() -> dict[str, dict[str, NamespaceRef]]:
    """The course note's table as read from nsfs (device 4 here), no file system: deterministic."""
    tables = {
        "host": COURSE_NOTE_HOST,
        "container1": COURSE_NOTE_CONTAINER1,
        "container2": COURSE_NOTE_CONTAINER2,
    }
    return {
        role: {
            name: NamespaceRef(name, f"{name.removesuffix('_for_children')}:[{inode}]", 4, inode)
            for name, inode in table.items()
        }
        for role, table in tables.items()
    }


def course_note_report(lang: str = "en") -> Report:
    """The course note's experiment in its own environment (a Docker 20.10 engine, cgroup v2)."""
    fp = fingerprint(cgroup="2")
    ids = {"container1": "3f1a" * 16, "container2": "9c2e" * 16}
    containers = [
        ContainerInfo(role, role, ids[role], "debian:12", COURSE_NOTE_PIDS[role],
                      [COURSE_NOTE_PIDS[role], 1], "running",
                      {"pid": "", "network": "default", "ipc": "private", "uts": "",
                       "cgroupns": "private"})
        for role in ("container1", "container2")
    ]  # fmt: skip
    probes = {
        "host": {
            "hostname": "debian12",
            "net": "docker0 02:42:5e:00:00:01\nens3 52:54:00:12:34:56\nlo 00:00:00:00:00:00",
            "route": "Iface\tDestination\tGateway\nens3\t00000000\t0102000A",
            "pid1": "/sbin/init",
            "mountinfo": "23 1 254:1 / / rw,relatime - ext4 /dev/vda1 rw",
            "uid_map": "0 0 4294967295",
            "cgroup": "0::/init.scope",
        },
    }
    for number, role in enumerate(("container1", "container2"), start=2):
        probes[role] = {
            "hostname": ids[role][:12],
            "net": f"eth0 02:42:ac:11:00:0{number}\nlo 00:00:00:00:00:00",
            "pid1": "sleep infinity",
            "mountinfo": f"72 48 0:39 / / rw - overlay overlay rw,upperdir=/var/lib/docker/{role}",
            "uid_map": "         0          0 4294967295",
            "cgroup": "0::/",
            "sysvipc": "       key      shmid perms        size  cpid  lpid nattch   uid   gid",
            "posixshm": ". ..",
        }
    probes["container1"]["ipc_made"] = "Shared memory id: 0"
    probes["container1"]["sysvipc"] += (
        "\n 1804289383          0   644          64    12     0      0     0     0"
    )
    specs = SCENARIOS["baseline"].specs()
    scenario = analyse("baseline", fp, specs, containers, course_note_namespaces(), probes, lang)
    return Report(
        run_id="0123abcd",
        started_at="2025-07-06T14:31:00+00:00",
        duration_seconds=1.25,
        lang=lang,
        image="debian:12",
        runtime=Runtime("0.1.0", "3.11.2", "5.0.3"),
        fingerprint=fp,
        scenarios=[scenario],
    )
