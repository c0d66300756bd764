"""Behavioural evidence: what processes inside the containers can actually see.

Inode numbers say two namespaces differ; these checks show what that means. The probes need only
/bin/sh and coreutils (Debian's minbase image has no procps or iproute2): they read /proc and /sys.
Every check's expected outcome comes from the same Expectation as the matrix, so the two agree.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lab.experiment.expectations import relations
from lab.report.model import EvidenceCheck, Expectation, Relations

CONTAINERS = ("container1", "container2")

# Files the probe reads, by section; the host's values are read by Python from the same files.
# One `tail` prints them all, each after a "==> path <==" header: starting a process in a
# container costs milliseconds on a busy host, and the two probes run one after the other.
_FILES = {
    "hostname": "/proc/sys/kernel/hostname",
    "route": "/proc/net/route",
    "pid1": "/proc/1/cmdline",
    "mountinfo": "/proc/self/mountinfo",
    "uid_map": "/proc/self/uid_map",
    "cgroup": "/proc/self/cgroup",
    "sysvipc": "/proc/sysvipc/shm",
    # Per network namespace, unlike /sys/class/net (which shows the namespace /sys was mounted in).
    "netdev": "/proc/net/dev",
}
_NET = "/sys/class/net/"  # <interface>/address for each interface: the "net" section
_PROBE = f"""
tail -n +1 {" ".join(_FILES.values())} {_NET}*/address
echo @@posixshm; for f in /dev/shm/* /dev/shm/.*; do echo "${{f##*/}}"; done
"""

# Made in container1 before probing: a SysV shared memory segment when util-linux's ipcmk is
# there (it is in debian:12), else a POSIX shm file, which lives in /dev/shm and follows --ipc too.
_MAKE_IPC = r"""
echo @@ipc_made
if command -v ipcmk >/dev/null 2>&1; then ipcmk -M 64; else : > "/dev/shm/$1" && echo "posix $1"; fi
"""


def probe_command(marker: str, make_ipc: bool) -> list[str]:
    script = (_MAKE_IPC if make_ipc else "") + _PROBE
    return ["sh", "-c", script, "nslab-probe", marker]


def parse_sections(output: str) -> dict[str, str]:
    """Sections start at "@@name" (printed by the shell) or at tail's "==> path <==" headers."""
    sections: dict[str, list[str]] = {}
    current, prefix = None, ""
    for line in output.replace("\0", " ").splitlines():
        header = _section_header(line)
        if header is not None:
            current, prefix = header
            sections.setdefault(current, [])
        elif current is not None and line.strip():
            sections[current].append(prefix + line)
    return {name: "\n".join(lines).strip() for name, lines in sections.items()}


def _section_header(line: str) -> tuple[str, str] | None:
    """(section, prefix for its lines) if the line starts a section."""
    if line.startswith("@@"):
        return line[2:].strip(), ""
    if not (line.startswith("==> ") and line.endswith(" <==")):
        return None
    path = line[4:-4]
    if path.startswith(_NET):
        return "net", path[len(_NET) :].split("/")[0] + " "  # "eth0 02:42:ac:11:00:02"
    return next((name for name, known in _FILES.items() if known == path), path), ""


def probe(client: Any, container_id: str, marker: str, make_ipc: bool) -> dict[str, str]:
    """Every section from one exec: each exec costs the engine far more than the probe itself.

    Run it in container1 with make_ipc first: container2's probe looks for that IPC object.
    """
    exec_id = client.api.exec_create(container_id, probe_command(marker, make_ipc))
    output = client.api.exec_start(exec_id["Id"])
    return parse_sections(output.decode(errors="replace"))


def host_probe(proc_root: str = "/proc", sys_root: str = "/sys") -> dict[str, str]:
    proc, net = Path(proc_root), Path(sys_root, "class/net")
    interfaces = [
        f"{i.name} {(i / 'address').read_text().strip()}"
        for i in sorted(net.iterdir())
        if (i / "address").is_file()
    ]
    return {
        "hostname": (proc / "sys/kernel/hostname").read_text().strip(),
        "net": "\n".join(interfaces),
        "route": (proc / "self/net/route").read_text(),
        "pid1": (proc / "1/cmdline").read_bytes().replace(b"\0", b" ").decode().strip(),
        "mountinfo": (proc / "self/mountinfo").read_text(),
        "uid_map": (proc / "self/uid_map").read_text(),
        "cgroup": (proc / "self/cgroup").read_text(),
        "netdev": (proc / "self/net/dev").read_text(),
    }


def root_mount(mountinfo: str) -> str:
    """What is mounted on / (the last mount there wins): "fstype source options"."""
    root = ""
    for line in mountinfo.splitlines():
        fields = line.split()
        if len(fields) > 4 and fields[4] == "/" and " - " in line:
            root = line.split(" - ", 1)[1]
    return root


def _normalised(value: str) -> str:
    return " ".join(value.split())


def checks(
    probes: dict[str, dict[str, str]],
    expectations: dict[str, Expectation],
    container_ids: dict[str, str],
) -> list[EvidenceCheck]:
    """Pure: probe outputs (roles host, container1, container2) + expectations -> checks."""
    found: list[EvidenceCheck] = []
    if "uts" in expectations:
        relations = hostname_relations(expectations["uts"], expectations.get("net"))
        found += _compare("uts", "hostname", probes, relations, lambda p: p["hostname"])
    if "net" in expectations:
        found += _compare(
            "net", "interfaces", probes, expectations["net"].relations, main_interface, _one_network
        )
    if "mnt" in expectations:
        found += _compare(
            "mnt",
            "root_mount",
            probes,
            expectations["mnt"].relations,
            lambda p: root_mount(p["mountinfo"]),
        )
    if "user" in expectations:
        found += _uid_map(probes, expectations["user"])
    if "pid" in expectations:
        found += _pid_one(probes, expectations["pid"])
    if "ipc" in expectations:
        found.append(_ipc(probes, expectations["ipc"].relations))
    if "cgroup" in expectations:
        found += _cgroup_root(probes, expectations["cgroup"], container_ids)
    return found


def uid_map_relations(user: Expectation) -> Relations:
    """Whose uid_map each container reads: the host's, or the one mapping its maker writes.

    A user namespace is an object of its own (its inode number); its uid_map is a setting written
    once into it by whoever made it. userns-remap writes the same map, the remap user's range in
    /etc/subuid, into the new namespace of every container; unshare --map-root-user writes
    "0 <caller> 1" into each; a rootless engine's containers are all in its one namespace. So two
    containers read the same map exactly when both are outside the host's user namespace (or both
    in it), even when their namespaces differ.
    """
    return relations(
        {role: ("host" if user.memberships[role] == "host" else "mapped") for role in CONTAINERS}
    )


def _uid_map(probes, user: Expectation) -> list[EvidenceCheck]:
    return _compare(
        "user", "uid_map", probes, uid_map_relations(user), lambda p: _normalised(p["uid_map"])
    )


def hostname_relations(uts: Expectation, net: Expectation | None) -> Relations:
    """Whose hostname each container shows.

    Docker gives a container that uses another's network (--network=host or container:<first>)
    that network owner's hostname, while its UTS namespace stays its own: equal names are then
    expected even between different UTS namespaces.
    """
    sources = dict(uts.memberships)
    for role in CONTAINERS:
        joined = net.memberships[role] if net else "own"
        if sources[role] != "host" and joined in ("host", "container1"):
            sources[role] = joined
    return relations(sources)


def main_interface(probe: dict[str, str]) -> str:
    """ "name MAC" of the default-route interface (else the first non-loopback one).

    Whole interface lists are no good for comparing: other containers' veth ends come and go
    on the host between two reads. One distinctive interface seen from both sides is stable.
    """
    interfaces = dict(line.split(" ", 1) for line in probe["net"].splitlines() if " " in line)
    for row in probe.get("route", "").splitlines()[1:]:
        fields = row.split()
        if len(fields) > 1 and fields[1] == "00000000" and fields[0] in interfaces:
            return f"{fields[0]} {interfaces[fields[0]]}"
    others = sorted(name for name in interfaces if name != "lo")
    return f"{others[0]} {interfaces[others[0]]}" if others else ""


def _one_network(a: dict[str, str], b: dict[str, str]) -> bool:
    """Each side sees the other's main interface: one network namespace."""
    return main_interface(a) in b["net"].splitlines() and main_interface(b) in a["net"].splitlines()


_BETWEEN = "between"
_ALL_PAIRS = (_BETWEEN, "container1_host", "container2_host")


def _compare(
    namespace, check, probes, relations: Relations, value, same_as=None, compared=_ALL_PAIRS
) -> list[EvidenceCheck]:
    """container1 vs container2, then each container vs the host: same exactly when shared."""
    values = {role: value(probes[role]) for role in ("host", *CONTAINERS)}
    pairs = [
        (_BETWEEN, ("container1", "container2"), not relations.isolated),
        ("container1_host", ("container1", "host"), relations.container1_shares_host),
        ("container2_host", ("container2", "host"), relations.container2_shares_host),
    ]
    results = []
    for suffix, (a, b), expect_same in (pair for pair in pairs if pair[0] in compared):
        same = same_as(probes[a], probes[b]) if same_as else values[a] == values[b]
        results.append(
            EvidenceCheck(
                namespace=namespace,
                check=f"{namespace}.{check}.{suffix}",
                expected=_same(expect_same),
                observed=_same(same),
                passed=same == expect_same,
                detail={a: values[a], b: values[b]},
            )
        )
    return results


def _same(flag: bool) -> str:
    return "same" if flag else "different"


def _pid_one(probes, expectation: Expectation) -> list[EvidenceCheck]:
    """PID 1 inside is the container's own `sleep infinity`, or the host's init under --pid=host."""
    results = []
    for role in CONTAINERS:
        on_host = expectation.memberships[role] == "host"
        expected = probes["host"]["pid1"] if on_host else "sleep infinity"
        observed = probes[role]["pid1"]
        results.append(
            EvidenceCheck(
                namespace="pid",
                check=f"pid.pid1.{role}",
                expected="host_init" if on_host else "own_command",
                observed="host_init"
                if observed == probes["host"]["pid1"]
                else ("own_command" if observed == "sleep infinity" else "other"),
                passed=observed == expected,
                detail={role: observed, "host": probes["host"]["pid1"]},
            )
        )
    return results


def _ipc(probes, relations: Relations) -> EvidenceCheck:
    made = probes["container1"].get("ipc_made", "")
    seen_by_second = "no object made"
    if made.startswith("posix "):
        seen = made.split()[1] in probes["container2"].get("posixshm", "").split()
        seen_by_second = f"/dev/shm/{made.split()[1]}"
    elif made:
        shmid = made.rsplit(":", 1)[-1].strip()
        rows = probes["container2"].get("sysvipc", "").splitlines()[1:]
        seen = any(len(r.split()) > 1 and r.split()[1] == shmid for r in rows)
        seen_by_second = f"SysV shm id {shmid}"
    else:
        seen = False
    expect_seen = not relations.isolated
    return EvidenceCheck(
        namespace="ipc",
        check="ipc.object_visible",
        expected="visible" if expect_seen else "invisible",
        observed=("visible" if seen else "invisible") if made else "not_created",
        passed=bool(made) and seen == expect_seen,
        detail={"container1": made or "(nothing)", "container2": seen_by_second},
    )


def _cgroup_root(
    probes, expectation: Expectation, container_ids: dict[str, str]
) -> list[EvidenceCheck]:
    """Own cgroup namespace: a container sees its cgroup as "/"; with the host's, its full path."""
    results = []
    for role in CONTAINERS:
        lines = probes[role]["cgroup"].splitlines()
        paths = [line.split(":", 2)[2] for line in lines if line.count(":") >= 2]
        at_root = bool(paths) and all(p == "/" for p in paths)
        expect_root = expectation.memberships[role] != "host"
        results.append(
            EvidenceCheck(
                namespace="cgroup",
                check=f"cgroup.paths.{role}",
                expected="root" if expect_root else "host_path",
                observed="root" if at_root else "host_path",
                passed=at_root == expect_root
                and (at_root or any(container_ids[role] in p for p in paths)),
                detail={role: lines[0] if lines else "", "container_id": container_ids[role][:12]},
            )
        )
    return results


def unshare_checks(
    probes: dict[str, dict[str, str]], expectations: dict[str, Expectation]
) -> list[EvidenceCheck]:
    """Pure: the checks for two processes started by `unshare` rather than Docker.

    unshare changes no root file system, plugs in no network device and moves no process to
    another cgroup, so what shows its namespaces differs from a container's: the /proc it mounts,
    a network with nothing but loopback, and the cgroup of the process that started it.
    """
    found: list[EvidenceCheck] = []
    if "uts" in expectations:
        uts = expectations["uts"].relations
        found += _compare("uts", "hostname", probes, uts, lambda p: p["hostname"])
    if "net" in expectations:
        found += _loopback_only(probes, expectations["net"])
    if "mnt" in expectations:
        mnt = expectations["mnt"].relations
        found += _compare("mnt", "proc_mount", probes, mnt, lambda p: proc_mount(p["mountinfo"]))
    if "user" in expectations:
        found += _uid_map(probes, expectations["user"])
    if "pid" in expectations:
        found += _pid_one(probes, expectations["pid"])
    if "ipc" in expectations:
        found.append(_ipc(probes, expectations["ipc"].relations))
    if "cgroup" in expectations:
        # Same cgroup as the experiment (unshare moves nobody): same text exactly when shared.
        cgroup = expectations["cgroup"].relations
        found += _compare(
            "cgroup",
            "self_cgroup",
            probes,
            cgroup,
            lambda p: _normalised(p["cgroup"]),
            None,
            _ALL_PAIRS[1:],
        )
    return found


def proc_mount(mountinfo: str) -> str:
    """The /proc a process sees (the last mount there wins): "mount ID: fstype source options".

    Mount IDs are unique on the whole system, so a /proc mounted in another mount namespace
    shows a different ID even when everything else about it reads the same.
    """
    found = ""
    for line in mountinfo.splitlines():
        fields = line.split()
        if len(fields) > 4 and fields[4] == "/proc" and " - " in line:
            found = f"{fields[0]}: {line.split(' - ', 1)[1]}"
    return found


def interfaces(netdev: str) -> list[str]:
    """Interface names from /proc/net/dev (two header lines, then "name: counters")."""
    return sorted(line.split(":", 1)[0].strip() for line in netdev.splitlines()[2:] if ":" in line)


def _loopback_only(probes, expectation: Expectation) -> list[EvidenceCheck]:
    """A new network namespace starts with nothing but its own loopback device."""
    host = interfaces(probes["host"]["netdev"])
    results = []
    for role in CONTAINERS:
        seen = interfaces(probes[role]["netdev"])
        expected = "host_interfaces" if expectation.memberships[role] == "host" else "loopback_only"
        observed = (
            "loopback_only" if seen == ["lo"] else "host_interfaces" if seen == host else "other"
        )
        results.append(
            EvidenceCheck(
                namespace="net",
                check=f"net.loopback_only.{role}",
                expected=expected,
                observed=observed,
                passed=observed == expected,
                detail={role: " ".join(seen), "host": " ".join(host)},
            )
        )
    return results
