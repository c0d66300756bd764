"""The course note's experiment and the variations that each switch one isolation off (or on).

A scenario says only how its two processes are started: as Docker containers (ContainerSpec) or,
to show that namespaces are a Linux feature of their own, by util-linux `unshare` (UnshareSpec).
What that changes in the predictions follows from the modes and flags in expectations.py, so a
new scenario needs no new prediction code.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

# Stands for "the first container" in a mode such as container:<first>; replaced by its id at start.
FIRST = "<first>"


@dataclass(frozen=True)
class ContainerSpec:
    """Namespace-related `docker run` options; "" leaves the engine's default."""

    pid_mode: str = ""
    network_mode: str = ""
    ipc_mode: str = ""
    uts_mode: str = ""
    cgroupns_mode: str = ""
    userns_mode: str = ""  # "host" only where the engine remaps (see for_engine)

    def docker_args(self) -> list[str]:
        flags = {
            "--pid": self.pid_mode,
            "--network": self.network_mode,
            "--ipc": self.ipc_mode,
            "--uts": self.uts_mode,
            "--cgroupns": self.cgroupns_mode,
            "--userns": self.userns_mode,
        }
        return [f"{flag}={value}" for flag, value in flags.items() if value]

    @property
    def joins_first(self) -> bool:
        """Joins a namespace of the first container, which must then be running already."""
        modes = (self.pid_mode, self.network_mode, self.ipc_mode, self.uts_mode)
        return any(FIRST in mode for mode in modes)

    def resolved(self, first_id: str) -> ContainerSpec:
        def fill(mode: str) -> str:
            return mode.replace(FIRST, first_id)

        return ContainerSpec(
            pid_mode=fill(self.pid_mode),
            network_mode=fill(self.network_mode),
            ipc_mode=fill(self.ipc_mode),
            uts_mode=fill(self.uts_mode),
            cgroupns_mode=self.cgroupns_mode,
            userns_mode=self.userns_mode,
        )

    @property
    def joined_mode(self) -> str:
        """The first `--pid/--network/--ipc=container:` flag: under userns-remap, joining one of
        those namespaces joins the first container's user namespace too (they must share one)."""
        for flag, mode in (
            ("--pid", self.pid_mode),
            ("--network", self.network_mode),
            ("--ipc", self.ipc_mode),
        ):
            if mode.startswith("container:"):
                return f"{flag}=container:{FIRST}"
        return ""


# `unshare` option per namespace type it can make (util-linux 2.38, Debian 12).
UNSHARE_FLAGS = {
    "cgroup": "--cgroup",
    "ipc": "--ipc",
    "mnt": "--mount",
    "net": "--net",
    "pid": "--pid",
    "time": "--time",
    "user": "--user",
    "uts": "--uts",
}


@dataclass(frozen=True)
class UnshareSpec:
    """A process started by `unshare` with a new namespace of each type in `namespaces`."""

    namespaces: frozenset[str]

    @property
    def joins_first(self) -> bool:
        return False  # every namespace unshare makes is new; it joins none

    def unshare_args(self) -> list[str]:
        """The options, in a stable order; a new PID namespace needs --fork (the child is PID 1
        of it) and its own /proc (--mount-proc) for ps and /proc/1 to show that namespace."""
        args = [UNSHARE_FLAGS[kind] for kind in sorted(self.namespaces)]
        if "pid" in self.namespaces:
            args += ["--fork", "--mount-proc"]
        if "user" in self.namespaces:
            args.append("--map-root-user")  # root inside is the caller (root) outside
        return args


ProcessSpec = ContainerSpec | UnshareSpec


@dataclass(frozen=True)
class Scenario:
    name: str
    first: ProcessSpec
    second: ProcessSpec

    def specs(self) -> dict[str, ProcessSpec]:
        return {"container1": self.first, "container2": self.second}

    @property
    def launcher(self) -> str:
        """ "docker" or "unshare": what starts the two processes."""
        return "unshare" if isinstance(self.first, UnshareSpec) else "docker"


def for_engine(scenario: Scenario, userns_remap: bool) -> Scenario:
    """The scenario as this engine can run it.

    With userns-remap on, the engine refuses --pid=host and --network=host in a remapped user
    namespace ("cannot share the host PID namespace when user namespaces are enabled"): a
    container sharing the host's must also share its user namespace, --userns=host, as Docker's
    documentation says. Elsewhere the flag would change nothing, so the scenario stays as it is.
    """
    if not userns_remap or scenario.launcher != "docker":
        return scenario

    def fitted(spec: ProcessSpec) -> ProcessSpec:
        if isinstance(spec, ContainerSpec) and "host" in (spec.pid_mode, spec.network_mode):
            return replace(spec, userns_mode="host")
        return spec

    return Scenario(scenario.name, fitted(scenario.first), fitted(scenario.second))


def start_args(spec: ProcessSpec) -> list[str]:
    """The options a process is started with: `docker run` flags or `unshare` options."""
    return spec.unshare_args() if isinstance(spec, UnshareSpec) else spec.docker_args()


_DEFAULT = ContainerSpec()
_JOIN_FIRST = f"container:{FIRST}"
# What Docker gives every container by default, asked for directly (cgroup depends on the host).
_UNSHARE = UnshareSpec(frozenset({"ipc", "mnt", "net", "pid", "uts"}))
_UNSHARE_USER = UnshareSpec(_UNSHARE.namespaces | {"user"})

SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario("baseline", _DEFAULT, _DEFAULT),
        Scenario("pid-host", _DEFAULT, ContainerSpec(pid_mode="host")),
        Scenario("net-host", _DEFAULT, ContainerSpec(network_mode="host")),
        Scenario("net-container", _DEFAULT, ContainerSpec(network_mode=_JOIN_FIRST)),
        Scenario(
            "ipc-container",
            ContainerSpec(ipc_mode="shareable"),
            ContainerSpec(ipc_mode=_JOIN_FIRST),
        ),
        Scenario("uts-host", _DEFAULT, ContainerSpec(uts_mode="host")),
        Scenario(
            "cgroupns-host",
            ContainerSpec(cgroupns_mode="host"),
            ContainerSpec(cgroupns_mode="host"),
        ),
        Scenario(
            "cgroupns-private",
            ContainerSpec(cgroupns_mode="private"),
            ContainerSpec(cgroupns_mode="private"),
        ),
        Scenario("unshare", _UNSHARE, _UNSHARE),
        Scenario("unshare-user", _UNSHARE_USER, _UNSHARE_USER),
    )
}


def select(names: list[str]) -> list[Scenario]:
    """Scenarios by name in a stable order; "all" means every one. Unknown names raise KeyError."""
    if not names:
        return [SCENARIOS["baseline"]]
    if "all" in names:
        return list(SCENARIOS.values())
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        raise KeyError(", ".join(unknown))
    return [s for s in SCENARIOS.values() if s.name in names]
