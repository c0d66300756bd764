"""`sudo nslab-experiment check [NAME NAME]`: the experiment's table for containers a student
started by hand, with whatever options they tried.

Reads only: the engine's inspect data of the two containers and /proc/PID/ns of the host and of
the PIDs the engine names for them. Nothing runs inside the containers (so any image works, shell
or not) and nothing about them changes. A name is the student's input: it is checked against
Docker's own rule for names and IDs before the engine sees it, and only a running container's PID
from the engine is ever read under /proc, so no name reads anything else as root.

The predictions and the table are the experiment's own: the containers' `docker run` options are
turned back into the experiment's ContainerSpec, then analysis.analyse and the terminal renderer
do the rest, as for a scenario.
"""

from __future__ import annotations

import platform
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import lab
from lab.experiment import fingerprint
from lab.experiment.analysis import analyse
from lab.experiment.errors import EnvironmentProblem
from lab.experiment.expectations import CONTAINERS, default_cgroupns, expect
from lab.experiment.namespaces import read_namespaces
from lab.experiment.pair import describe
from lab.experiment.scenarios import FIRST, ContainerSpec
from lab.experiment.sdk import docker
from lab.report.explain import reason_text, ui
from lab.report.layout import relations_cells
from lab.report.model import Expectation, Fingerprint, Report, Runtime, ScenarioResult
from lab.report.terminal import render_terminal

# Docker's rule for container names ([a-zA-Z0-9][a-zA-Z0-9_.-]+, daemon/names); IDs and their
# prefixes fit it too. 128 characters is more than any name a class types.
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")
DISPLAY_LIMIT = 60  # characters of a refused name repeated in the error line

# HostConfig field and `docker run` flag per mode-driven namespace type (the spec's attribute).
_MODES = (
    ("pid_mode", "PidMode", "--pid"),
    ("network_mode", "NetworkMode", "--network"),
    ("ipc_mode", "IpcMode", "--ipc"),
    ("uts_mode", "UTSMode", "--uts"),
)
# The table's title for containers started with options: the students' own (a pair with Docker's
# defaults is the course note's experiment, "baseline", and is titled so).
SCENARIO = "check"
BASE_TYPES = ("cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts")


@dataclass(frozen=True)
class Checked:
    report: Report
    scenario: ScenarioResult
    options: dict[str, list[str]]  # role -> how it differs from Docker's defaults
    recent: bool  # chosen as the two most recently started (no names given)
    defaults: dict[str, Expectation]  # base type -> what Docker's defaults would give here


def default_specs() -> dict[str, ContainerSpec]:
    return {role: ContainerSpec() for role in CONTAINERS}


def default_expectations(facts: Fingerprint, configured: str | None) -> dict[str, Expectation]:
    """What two containers started with Docker's defaults get on this machine: the experiment's
    prediction for the course note's two containers (also the exercise's answers)."""
    reported = {role: configured or "" for role in CONTAINERS}
    found = {}
    for name in facts.host_namespace_types:
        if name in BASE_TYPES:
            expectation = expect(name, facts, default_specs(), reported)
            if expectation is not None:
                found[name] = expectation
    return found


def machine_facts(client: Any) -> tuple[Fingerprint, dict[str, Any], str | None]:
    """The fingerprint the experiment uses, the host's namespaces, the engine's cgroupns setting."""
    reference, host_refs = fingerprint.host_namespaces()
    facts = fingerprint.collect(client.version(), client.info(), reference, sorted(host_refs))
    return facts, host_refs, fingerprint.configured_cgroupns()


def check(client: Any, names: list[str], lang: str) -> Checked:
    started, clock = datetime.now(UTC), time.monotonic()
    if len(names) not in (0, 2):
        raise EnvironmentProblem(ui("check_two_names", lang))
    for name in names:  # before anything is asked of the engine or read from /proc
        valid_name(name, lang)
    facts, host_refs, configured = machine_facts(client)
    data = [inspect(client, name, lang) for name in names] if names else recent(client, lang)
    if data[0]["Id"] == data[1]["Id"]:
        raise EnvironmentProblem(ui("check_same_twice", lang))
    joined = {c["Id"]: joined_containers(client, c) for c in data}
    # A container that joins the other's namespace is the second, as in the experiment.
    if any(t["Id"] == data[1]["Id"] for t in joined[data[0]["Id"]].values()):
        data.reverse()
    engine_default = configured or default_cgroupns(facts)
    specs, options = {}, {}
    for role, container, other in zip(CONTAINERS, data, reversed(data), strict=True):
        specs[role], options[role] = spec_of(
            container,
            joined[container["Id"]],
            joined[other["Id"]],
            role,
            data[0]["Id"],
            engine_default,
        )
    infos = [describe(client, role, c["Id"]) for role, c in zip(CONTAINERS, data, strict=True)]
    namespaces = {"host": host_refs} | {c.role: read_namespaces(c.host_pid) for c in infos}
    # The PIDs were the containers' while read: the engine still names the same ones.
    for info in infos:
        if describe(client, info.role, info.id).host_pid != info.host_pid:
            raise EnvironmentProblem(ui("check_stopped", lang, name=info.name))
    name = SCENARIO if any(options.values()) else "baseline"
    scenario = analyse(name, facts, specs, infos, namespaces, {}, lang)
    report = Report(
        run_id="check",
        started_at=started.isoformat(timespec="seconds"),
        duration_seconds=round(time.monotonic() - clock, 3),
        lang=lang,
        image=", ".join(sorted({c.image for c in infos})),
        runtime=Runtime(lab.__version__, platform.python_version(), docker.__version__),
        fingerprint=facts,
        scenarios=[scenario],
    )
    return Checked(report, scenario, options, not names, default_expectations(facts, configured))


def valid_name(name: str, lang: str) -> str:
    """`name` as the error line may repeat it: short, with every control or non-ASCII character
    escaped (nothing typed reaches the terminal as a control sequence). One that cannot name a
    container (a path, an option, an over-long string) ends the check here (exit 2)."""
    shown = name[:DISPLAY_LIMIT].encode("unicode_escape").decode("ascii")
    if not NAME.fullmatch(name):
        raise EnvironmentProblem(ui("check_no_such", lang, name=shown))
    return shown


def inspect(client: Any, name: str, lang: str) -> dict[str, Any]:
    """A running container by the student's name for it; anything else ends the check (exit 2)."""
    shown = valid_name(name, lang)
    try:
        data = client.api.inspect_container(name)
    except docker.errors.NotFound:
        raise EnvironmentProblem(ui("check_no_such", lang, name=shown)) from None
    if not data["State"].get("Running") or not data["State"].get("Pid"):
        raise EnvironmentProblem(ui("check_not_running", lang, name=shown))
    return data


def recent(client: Any, lang: str) -> list[dict[str, Any]]:
    """The two most recently started running containers, the older one first."""
    running = [client.api.inspect_container(c["Id"]) for c in client.api.containers()]
    running = [c for c in running if c["State"].get("Running") and c["State"].get("Pid")]
    if len(running) < 2:
        raise EnvironmentProblem(ui("check_too_few", lang, count=len(running)))
    running.sort(key=lambda c: c["State"].get("StartedAt", ""))
    return running[-2:]


def joined_containers(client: Any, container: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """HostConfig field -> the inspect data of the container a `container:X` mode joins (X as
    the student typed it, a name or an ID)."""
    found = {}
    for _, field, _ in _MODES:
        mode = container["HostConfig"].get(field) or ""
        if mode.startswith("container:"):
            target = mode.removeprefix("container:")
            try:
                found[field] = client.api.inspect_container(target)
            except docker.errors.NotFound:
                found[field] = {"Id": target, "Name": target, "HostConfig": {}}
    return found


def spec_of(
    container: dict[str, Any],
    joined: dict[str, dict[str, Any]],
    others_joined: dict[str, dict[str, Any]],
    role: str,
    first_id: str,
    engine_default: str,
) -> tuple[ContainerSpec, list[str]]:
    """The experiment's spec for a container, from its inspect data, and its options that
    differ from Docker's defaults (`--pid=host`, `--network=container:web1`, ...)."""
    host_config = container["HostConfig"]
    modes, options = {}, []
    for attribute, field, flag in _MODES:
        mode = host_config.get(field) or ""
        if mode == "host":
            modes[attribute] = "host"
            options.append(f"{flag}=host")
        elif field in joined:
            target = joined[field]
            options.append(f"{flag}=container:{target['Name'].lstrip('/')}")
            modes[attribute] = joined_mode(target, others_joined.get(field), role, first_id, field)
    cgroupns = host_config.get("CgroupnsMode") or ""
    if cgroupns and cgroupns != engine_default:
        # Not the engine's own default: the student's --cgroupns.
        modes["cgroupns_mode"] = cgroupns
        options.append(f"--cgroupns={cgroupns}")
    if host_config.get("UsernsMode") == "host":
        modes["userns_mode"] = "host"
        options.append("--userns=host")
    return ContainerSpec(**modes), options


def joined_mode(
    target: dict[str, Any],
    other_target: dict[str, Any] | None,
    role: str,
    first_id: str,
    field: str,
) -> str:
    """A `container:X` mode in the experiment's terms. The second container joining the first:
    container:<first>. Joining a third container: that one's namespace, which is the host's
    under its own `host` mode, else one neither of the two has, unless both joined it."""
    if role == "container2" and target["Id"] == first_id:
        return f"container:{FIRST}"
    if target["HostConfig"].get(field) == "host":
        return "host"
    both = other_target is not None and other_target["Id"] == target["Id"]
    return f"container:{FIRST}" if both and role == "container2" else ""


def render(checked: Checked, lang: str) -> str:
    """The experiment's table for the student's containers, after the course note's own step."""
    scenario = checked.scenario
    names = [c.name for c in scenario.containers]
    lines = [
        ui(
            "check_recent" if checked.recent else "check_named",
            lang,
            first=names[0],
            second=names[1],
        ),
        "",
        ui("check_step", lang),
    ]
    for container in scenario.containers:
        lines += [
            f"  $ docker inspect --format '{{{{.State.Pid}}}}' {container.name}",
            f"  {container.host_pid}",
            f"  $ sudo ls -l /proc/{container.host_pid}/ns",
            *[
                f"  {row.name} -> {row.refs[container.role].link}"
                for row in scenario.namespaces
                if row.refs.get(container.role)
            ],
        ]
    table = render_terminal(checked.report, lang, heading=ui("check_heading", lang))
    lines += ["", table, "", ui("check_read_only", lang), "", ui("check_defaults", lang)]
    lines += differences(checked, lang)
    lines += ["", ui("check_time_user", lang), *time_and_user(checked.defaults, lang)]
    return "\n".join(lines)


def time_and_user(defaults: dict[str, Expectation], lang: str) -> list[str]:
    """Why this machine's defaults share time and user with the host, or not: the course note's
    remark on them (userns-remap, Engine 29.5's time namespaces), for the student's machine."""
    return [
        f"  {kind}: {reason_text(reason, lang)}"
        for kind in ("time", "user")
        if kind in defaults  # a kernel without time namespaces lists no "time"
        for reason in defaults[kind].reasons
    ]


def differences(checked: Checked, lang: str) -> list[str]:
    """Per type that the student's options changed: what Docker's defaults give and why not here."""
    lines = []
    for row in checked.scenario.namespaces:
        default = checked.defaults.get(row.name)
        if default is None or row.expected is None:
            continue
        if row.expected.relations == default.relations:
            continue
        was, was_host = relations_cells(default.relations, lang)
        now, now_host = relations_cells(row.expected.relations, lang)
        lines.append(
            ui(
                "check_difference",
                lang,
                type=row.name,
                was=was,
                was_host=was_host,
                now=now,
                now_host=now_host,
            )
        )
        lines += [f"    {reason.text}" for reason in row.expected.reasons]
    return lines or [ui("check_as_defaults", lang)]
