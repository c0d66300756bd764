"""Start, inspect and probe one scenario's two containers, overlapping what may overlap.

Nearly all of a run's time is the engine starting containers (about 0.4 s each here) and running
execs (about 0.15 s each), and the engine serves requests side by side. Two orderings are real:
container2 may join container1's namespaces (`container:<first>`), so it starts only once
container1 runs; and container2's probe looks for the IPC object container1's probe makes. So
container2 is started on a worker thread - at once, or as soon as container1 runs - while this
thread starts and probes container1; container2's probe follows container1's.

Signals reach this (main) thread only. Whatever ends it early - an error, Ctrl-C, SIGTERM - the
worker's start is waited for before returning, so the caller's cleanup, which finds the run's
containers by label, sees every container this scenario made.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from lab.experiment import evidence
from lab.experiment.containers import Launcher, signals_deferred
from lab.experiment.namespaces import read_nspid
from lab.experiment.scenarios import ContainerSpec, Scenario
from lab.report.model import ContainerInfo


@dataclass(frozen=True)
class Observed:
    containers: list[ContainerInfo]
    probes: dict[str, dict[str, str]]


def start_and_probe(client: Any, launcher: Launcher, scenario: Scenario) -> Observed:
    marker = f"nslab-{launcher.run_id}"
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nslab-container2")

    def start_second(first_id: str) -> Future[ContainerInfo]:
        spec = scenario.second.resolved(first_id)
        return pool.submit(_start, client, launcher, scenario.name, "container2", spec)

    try:
        second = None if scenario.second.joins_first else start_second("")
        first = _start(client, launcher, scenario.name, "container1", scenario.first)
        if second is None:
            second = start_second(first.id)
        first_probe = evidence.probe(client, first.id, marker, make_ipc=True)
        second_info = second.result()
        second_probe = evidence.probe(client, second_info.id, marker, make_ipc=False)
    except BaseException:
        # container2's start may still be in flight; the caller's cleanup must come after it.
        with signals_deferred():
            pool.shutdown(wait=True)
        raise
    pool.shutdown()  # its one task is done: second.result() returned
    return Observed(
        containers=[first, second_info],
        probes={"container1": first_probe, "container2": second_probe},
    )


def _start(
    client: Any, launcher: Launcher, scenario: str, role: str, spec: ContainerSpec
) -> ContainerInfo:
    return describe(client, role, launcher.start(scenario, role, spec))


def describe(client: Any, role: str, container_id: str) -> ContainerInfo:
    data = client.api.inspect_container(container_id)
    host_config, pid = data["HostConfig"], data["State"]["Pid"]
    return ContainerInfo(
        role=role,
        name=data["Name"].lstrip("/"),
        id=data["Id"],
        image=data["Config"]["Image"],
        host_pid=pid,
        nspid=read_nspid(pid),
        state=data["State"]["Status"],
        modes={
            "pid": host_config.get("PidMode") or "",
            "network": host_config.get("NetworkMode") or "",
            "ipc": host_config.get("IpcMode") or "",
            "uts": host_config.get("UTSMode") or "",
            "cgroupns": host_config.get("CgroupnsMode") or "",
        },
    )
