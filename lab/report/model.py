"""The experiment report as data: what the experiment hands to renderers and the class summary.

Everything here is plain dataclasses with `to_dict`/`from_dict` so report.json is the single
source; Markdown, HTML and the terminal summary are rendered from it. Standard library only:
this runs on Debian 12's python3 on every lab host.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# Bump the major part when a field is removed or changes meaning; the minor part when fields
# are added. Readers (the class summary) accept any 1.x.
SCHEMA_VERSION = "1.1"

# Where a container's namespace of one type lives, as predicted:
#   host       - the host's namespace (the experiment's reference process)
#   own        - a namespace made for this container alone
#   container1 - the namespace of the scenario's first container (joined with container:<first>)
#   engine     - the engine's own namespace, shared by its containers but not by the host (rootless)
MEMBERSHIPS = ("host", "own", "container1", "engine")
ROLES = ("host", "container1", "container2")


@dataclass(frozen=True)
class Reason:
    """Why something is expected: a message code plus the environment facts it was derived from."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)
    text: str = ""  # rendered in the report's language, for readers that do not render codes

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Reason:
        return cls(
            code=data["code"], params=dict(data.get("params", {})), text=data.get("text", "")
        )


@dataclass(frozen=True)
class NamespaceRef:
    """One /proc/<pid>/ns/<name> entry: identity (dev, inode) from os.stat, link the raw text."""

    name: str
    link: str
    dev: int
    inode: int

    @property
    def identity(self) -> tuple[int, int]:
        return (self.dev, self.inode)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NamespaceRef:
        return cls(name=data["name"], link=data["link"], dev=data["dev"], inode=data["inode"])


@dataclass(frozen=True)
class DockerFacts:
    server_version: str
    api_version: str
    min_api_version: str | None
    cgroup_version: str | None
    cgroup_driver: str | None
    security_options: list[str]
    userns_remap: bool
    rootless: bool
    # Engine feature flags (`dockerd --feature name=bool` or daemon.json "features"), if visible.
    features: dict[str, bool]
    features_source: str | None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DockerFacts:
        return cls(**data)


@dataclass(frozen=True)
class HostReference:
    """Which process stands for "the host" in the matrix, and why that one."""

    pid: int
    source: str  # "pid1" or "self" (PID 1's namespaces were not readable)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> HostReference:
        return cls(**data)


@dataclass(frozen=True)
class Fingerprint:
    hostname: str
    kernel: str
    os_release: dict[str, str]
    boot_id: str
    # Namespace types the host kernel exposes in /proc/<pid>/ns (e.g. no "time" before 5.6).
    host_namespace_types: list[str]
    host_reference: HostReference
    docker: DockerFacts

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Fingerprint:
        return cls(
            hostname=data["hostname"],
            kernel=data["kernel"],
            os_release=dict(data["os_release"]),
            boot_id=data["boot_id"],
            host_namespace_types=list(data["host_namespace_types"]),
            host_reference=HostReference.from_dict(data["host_reference"]),
            docker=DockerFacts.from_dict(data["docker"]),
        )


@dataclass(frozen=True)
class ContainerInfo:
    role: str  # container1 | container2
    name: str
    id: str
    image: str
    host_pid: int
    # NSpid from the host's /proc/<pid>/status: the PID in each nested PID namespace, outermost
    # first. The last element is the PID as seen inside the container (1 with its own PID ns).
    nspid: list[int]
    state: str
    # Modes as the engine reports them in `docker inspect` HostConfig ("" when left to defaults).
    modes: dict[str, str]

    @property
    def pid_inside(self) -> int:
        return self.nspid[-1] if self.nspid else self.host_pid

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ContainerInfo:
        fields = {
            k: v for k, v in data.items() if k != "pid_inside"
        }  # derived, written for readers
        return cls(**{**fields, "nspid": list(data["nspid"]), "modes": dict(data["modes"])})


@dataclass(frozen=True)
class Relations:
    """The three questions the matrix answers for one namespace type."""

    isolated: bool  # container1 and container2 are in different namespaces
    container1_shares_host: bool
    container2_shares_host: bool

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Relations:
        return cls(**data)


@dataclass(frozen=True)
class Expectation:
    memberships: dict[str, str]  # role -> one of MEMBERSHIPS
    relations: Relations
    reasons: list[Reason]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Expectation:
        return cls(
            memberships=dict(data["memberships"]),
            relations=Relations.from_dict(data["relations"]),
            reasons=[Reason.from_dict(r) for r in data["reasons"]],
        )


@dataclass(frozen=True)
class NamespaceRow:
    name: str  # the /proc/<pid>/ns entry name: cgroup, ..., pid_for_children, time, user, uts
    refs: dict[str, NamespaceRef | None]  # role -> entry (None: not exposed / unreadable)
    observed: Relations | None
    expected: Expectation | None  # None: nslab has no prediction for this type
    match: bool | None  # None when there is nothing to compare

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NamespaceRow:
        return cls(
            name=data["name"],
            refs={k: NamespaceRef.from_dict(v) if v else None for k, v in data["refs"].items()},
            observed=Relations.from_dict(data["observed"]) if data["observed"] else None,
            expected=Expectation.from_dict(data["expected"]) if data["expected"] else None,
            match=data["match"],
        )


@dataclass(frozen=True)
class EvidenceCheck:
    """A behavioural check run inside the containers, e.g. "hostnames differ"."""

    namespace: str
    check: str  # message code of the check
    expected: str  # short machine-readable expected outcome, e.g. "different" / "same"
    observed: str
    passed: bool
    detail: dict[str, str]  # raw values per role, shown to the student

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EvidenceCheck:
        return cls(**{**data, "detail": dict(data["detail"])})


@dataclass(frozen=True)
class DockerComparison:
    """For processes started without Docker: what Docker's own containers get on this machine."""

    source: str  # "observed" (this run's baseline scenario) or "predicted" (from the fingerprint)
    engine: str
    isolated: list[str]  # base namespace types each container gets of its own
    shared: list[str]  # base types the containers keep the host's

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DockerComparison:
        return cls(
            source=data["source"],
            engine=data["engine"],
            isolated=list(data["isolated"]),
            shared=list(data["shared"]),
        )


@dataclass(frozen=True)
class ScenarioResult:
    name: str
    # role -> the options it was started with: extra `docker run` flags, or `unshare` options
    # when launcher is "unshare" (the field keeps its 1.0 name).
    docker_args: dict[str, list[str]]
    containers: list[ContainerInfo]
    namespaces: list[NamespaceRow]
    evidence: list[EvidenceCheck]
    launcher: str = "docker"  # "docker" or "unshare" (util-linux, no Docker involved)
    docker_comparison: DockerComparison | None = None  # set for launcher "unshare"

    @property
    def mismatches(self) -> list[str]:
        found = [f"namespace:{row.name}" for row in self.namespaces if row.match is False]
        found += [f"evidence:{e.namespace}:{e.check}" for e in self.evidence if not e.passed]
        return found

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScenarioResult:
        return cls(
            name=data["name"],
            docker_args={k: list(v) for k, v in data["docker_args"].items()},
            containers=[ContainerInfo.from_dict(c) for c in data["containers"]],
            namespaces=[NamespaceRow.from_dict(r) for r in data["namespaces"]],
            evidence=[EvidenceCheck.from_dict(e) for e in data["evidence"]],
            launcher=data.get("launcher", "docker"),  # 1.0 reports ran Docker only
            docker_comparison=(
                DockerComparison.from_dict(data["docker_comparison"])
                if data.get("docker_comparison")
                else None
            ),
        )


@dataclass(frozen=True)
class Runtime:
    """What ran the experiment: the role runs it on Debian's python3 + python3-docker."""

    lab_version: str
    python: str
    docker_sdk: str

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Runtime:
        return cls(**data)


@dataclass(frozen=True)
class Report:
    run_id: str
    started_at: str  # ISO 8601, UTC
    duration_seconds: float
    lang: str
    image: str
    runtime: Runtime
    fingerprint: Fingerprint
    scenarios: list[ScenarioResult]
    schema_version: str = SCHEMA_VERSION

    @property
    def mismatches(self) -> list[str]:
        return [f"{s.name}/{m}" for s in self.scenarios for m in s.mismatches]

    @property
    def matched(self) -> bool:
        return not self.mismatches

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        # Derived fields are written out so readers need no logic of their own.
        data["summary"] = {"matched": self.matched, "mismatches": self.mismatches}
        for scenario, out in zip(self.scenarios, data["scenarios"], strict=True):
            out["mismatches"] = scenario.mismatches
            for container, cout in zip(scenario.containers, out["containers"], strict=True):
                cout["pid_inside"] = container.pid_inside
        return data

    @staticmethod
    def check_version(data: dict[str, Any]) -> None:
        """ValueError when the document is of a schema version this nslab cannot read."""
        major = str(data.get("schema_version", "")).split(".")[0]
        if major != SCHEMA_VERSION.split(".")[0]:
            raise ValueError(
                f"report schema {data.get('schema_version')!r} is not supported "
                f"(this nslab reads {SCHEMA_VERSION.split('.')[0]}.x)"
            )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        cls.check_version(data)
        return cls(
            run_id=data["run_id"],
            started_at=data["started_at"],
            duration_seconds=data["duration_seconds"],
            lang=data["lang"],
            image=data["image"],
            runtime=Runtime.from_dict(data["runtime"]),
            fingerprint=Fingerprint.from_dict(data["fingerprint"]),
            scenarios=[ScenarioResult.from_dict(s) for s in data["scenarios"]],
            schema_version=data["schema_version"],
        )
