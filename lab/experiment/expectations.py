"""Predict, from the environment alone, where each container's namespaces live and say why.

Pure functions: a fingerprint of the host and engine plus how each container was started go in;
per namespace type a membership per role (see report.model.MEMBERSHIPS) and the reasons come out.
Every reason is a message code with the facts that led to it, never a fixed "because".
"""

from __future__ import annotations

import re

from lab.experiment.scenarios import UNSHARE_FLAGS, ContainerSpec, ProcessSpec, UnshareSpec
from lab.report.model import Expectation, Fingerprint, Reason, Relations

# Engine releases that changed a default (docs/architecture.md, "Docker versions the report
# knows").
CGROUPNS_ENGINE = (20, 10)  # cgroup namespaces: private by default on cgroup v2 hosts
TIME_NS_ENGINE = (29, 5)  # moby #52326: a private time namespace per container
TIME_NS_KERNEL = (5, 6)  # CLONE_NEWTIME
TIME_NS_FEATURE = "time-namespaces"  # `dockerd --feature time-namespaces=false` (moby #52577)

CONTAINERS = ("container1", "container2")

# The `docker run` flag behind each mode-driven namespace type.
_MODE_FLAGS = {
    "pid": ("--pid", "pid_mode"),
    "net": ("--network", "network_mode"),
    "ipc": ("--ipc", "ipc_mode"),
    "uts": ("--uts", "uts_mode"),
}


def version_tuple(text: str) -> tuple[int, ...]:
    """Leading numeric parts: "20.10.24+dfsg1" -> (20, 10, 24), "6.1.0-21-amd64" -> (6, 1, 0)."""
    match = re.match(r"\d+(?:\.\d+)*", text.strip())
    return tuple(int(p) for p in match.group(0).split(".")) if match else ()


def base_type(name: str) -> str:
    """pid_for_children follows pid, time_for_children follows time."""
    return name.removesuffix("_for_children")


def relations(memberships: dict[str, str]) -> Relations:
    first, second = memberships["container1"], memberships["container2"]
    shared_between = second == "container1" or (first == second and first != "own")
    return Relations(
        isolated=not shared_between,
        container1_shares_host=first == "host",
        container2_shares_host=second == "host" or (second == "container1" and first == "host"),
    )


def expect(
    name: str,
    fingerprint: Fingerprint,
    specs: dict[str, ProcessSpec],
    reported_cgroupns: dict[str, str] | None = None,
) -> Expectation | None:
    """The expectation for one /proc/<pid>/ns entry, or None for a type nslab knows nothing about.

    `reported_cgroupns` is HostConfig.CgroupnsMode per role from `docker inspect` (the engine's
    resolved default); it only matters when the scenario did not ask for a mode.
    """
    kind = base_type(name)
    per_role: dict[str, tuple[str, Reason]] = {}
    for role in CONTAINERS:
        spec = specs[role]
        if isinstance(spec, UnshareSpec):
            if kind not in UNSHARE_FLAGS:
                return None
            per_role[role] = _from_unshare(kind, spec)
        elif kind in _MODE_FLAGS:
            per_role[role] = _from_mode(kind, spec)
        elif kind == "mnt":
            per_role[role] = ("own", Reason("mnt.own"))
        elif kind == "cgroup":
            per_role[role] = _cgroup(fingerprint, spec, (reported_cgroupns or {}).get(role, ""))
        elif kind == "user":
            per_role[role] = _user(fingerprint, spec)
        elif kind == "time":
            per_role[role] = _time(fingerprint)
        else:
            return None
    memberships = {"host": "host"} | {role: m for role, (m, _) in per_role.items()}
    return Expectation(
        memberships=memberships,
        relations=relations(memberships),
        reasons=_grouped([(role, reason) for role, (_, reason) in per_role.items()]),
    )


def _grouped(role_reasons: list[tuple[str, Reason]]) -> list[Reason]:
    """One reason per distinct explanation, naming the containers it applies to."""
    grouped: dict[tuple[str, str], tuple[Reason, list[str]]] = {}
    for role, reason in role_reasons:
        key = (reason.code, repr(sorted(reason.params.items())))
        grouped.setdefault(key, (reason, []))[1].append(role)
    return [Reason(r.code, {**r.params, "containers": roles}) for r, roles in grouped.values()]


def _from_mode(kind: str, spec: ContainerSpec) -> tuple[str, Reason]:
    flag, attribute = _MODE_FLAGS[kind]
    mode = getattr(spec, attribute)
    if mode == "host":
        return "host", Reason(f"{kind}.host", {"flag": f"{flag}={mode}"})
    if mode.startswith("container:"):
        return "container1", Reason(f"{kind}.container", {"flag": f"{flag}=container:<first>"})
    if mode == "shareable":
        return "own", Reason(f"{kind}.shareable", {"flag": f"{flag}={mode}"})
    return "own", Reason(f"{kind}.own")


def _from_unshare(kind: str, spec: UnshareSpec) -> tuple[str, Reason]:
    """unshare(1) makes exactly the namespaces its options ask for; the rest stay its parent's,
    and the parent here is the experiment itself, in the host's namespaces."""
    if kind not in spec.namespaces:
        return "host", Reason("unshare.not_asked", {"kind": kind})
    if kind == "user":
        return "own", Reason("unshare.user", {"flag": "--user --map-root-user"})
    return "own", Reason("unshare.asked", {"flag": UNSHARE_FLAGS[kind], "kind": kind})


def default_cgroupns(fingerprint: Fingerprint) -> str:
    engine = version_tuple(fingerprint.docker.server_version)
    if engine >= CGROUPNS_ENGINE and fingerprint.docker.cgroup_version == "2":
        return "private"
    return "host"


def _cgroup(fingerprint: Fingerprint, spec: ContainerSpec, reported: str) -> tuple[str, Reason]:
    docker = fingerprint.docker
    facts = {"engine": docker.server_version, "cgroup_version": docker.cgroup_version or "?"}
    if spec.cgroupns_mode:
        mode, code = spec.cgroupns_mode, f"cgroup.requested_{spec.cgroupns_mode}"
        facts["flag"] = f"--cgroupns={mode}"
    elif version_tuple(docker.server_version) < CGROUPNS_ENGINE:
        mode, code = "host", "cgroup.engine_old"
    elif reported and reported != default_cgroupns(fingerprint):
        mode, code = reported, "cgroup.engine_configured"
        facts["mode"] = reported
    else:
        mode = default_cgroupns(fingerprint)
        code = (
            f"cgroup.default_v{docker.cgroup_version}"
            if docker.cgroup_version in ("1", "2")
            else (f"cgroup.default_{mode}")
        )
    return ("own" if mode == "private" else "host"), Reason(code, facts)


def _user(fingerprint: Fingerprint, spec: ContainerSpec) -> tuple[str, Reason]:
    docker = fingerprint.docker
    options = ", ".join(docker.security_options) or "-"
    if docker.rootless:
        return "engine", Reason("user.rootless", {"security_options": options})
    if not docker.userns_remap:
        return "host", Reason("user.no_remap", {"security_options": options})
    if spec.userns_mode == "host":
        return "host", Reason("user.host", {"flag": f"--userns={spec.userns_mode}"})
    if spec.joined_mode:
        # moby's WithNamespaces: joining another container's pid, net or ipc namespace under
        # userns-remap also joins that container's user namespace.
        return "container1", Reason("user.joined", {"flag": spec.joined_mode})
    return "own", Reason("user.remap", {"security_options": options})


def _time(fingerprint: Fingerprint) -> tuple[str, Reason]:
    docker = fingerprint.docker
    facts = {"engine": docker.server_version, "kernel": fingerprint.kernel}
    if version_tuple(docker.server_version) < TIME_NS_ENGINE:
        return "host", Reason("time.engine_old", facts)
    if (
        version_tuple(fingerprint.kernel) < TIME_NS_KERNEL
        or "time" not in fingerprint.host_namespace_types
    ):
        return "host", Reason("time.kernel_old", facts)
    if docker.features.get(TIME_NS_FEATURE) is False:
        return "host", Reason(
            "time.feature_off", {**facts, "source": docker.features_source or "?"}
        )
    return "own", Reason("time.private", facts)
