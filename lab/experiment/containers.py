"""Start the lab's containers and guarantee they go away again.

Every container carries labels: `nslab.lab=1`, `nslab.run=<run id>` and
`nslab.owner=<boot id>:<pid>:<start time>` of the process that made it. A run removes its own
containers by the run label (which also catches one the engine created while we were being
interrupted), and first removes leftovers
of earlier runs whose owner process is gone - never those of a live concurrent run, never those a
student asked to keep (`nslab.keep=1`).
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lab.experiment.errors import Interrupted, engine_refused
from lab.experiment.scenarios import ContainerSpec
from lab.experiment.sdk import docker

LAB_LABEL = "nslab.lab"
RUN_LABEL = "nslab.run"
OWNER_LABEL = "nslab.owner"
KEEP_LABEL = "nslab.keep"
SCENARIO_LABEL = "nslab.scenario"
ROLE_LABEL = "nslab.role"
COMMAND = ["sleep", "infinity"]  # the course note's command


@dataclass(frozen=True)
class Owner:
    """A process identity that survives PID reuse: boot, PID and the PID's start time."""

    boot_id: str
    pid: int
    start_time: int

    def label(self) -> str:
        return f"{self.boot_id}:{self.pid}:{self.start_time}"

    @classmethod
    def parse(cls, label: str) -> Owner | None:
        parts = label.split(":")
        if len(parts) != 3 or not parts[1].isdigit() or not parts[2].isdigit():
            return None
        return cls(parts[0], int(parts[1]), int(parts[2]))

    @classmethod
    def of(cls, pid: int, boot_id: str, proc_root: str = "/proc") -> Owner | None:
        start = process_start_time(pid, proc_root)
        return None if start is None else cls(boot_id, pid, start)


def process_start_time(pid: int, proc_root: str = "/proc") -> int | None:
    try:
        stat = Path(proc_root, str(pid), "stat").read_text()
    except OSError:
        return None
    # Field 22; the command name (field 2) may contain spaces and parentheses, so split after it.
    return int(stat.rpartition(")")[2].split()[19])


def owner_alive(owner: Owner, boot_id: str, proc_root: str = "/proc") -> bool:
    return owner.boot_id == boot_id and Owner.of(owner.pid, boot_id, proc_root) == owner


def remove_leftovers(client: Any, boot_id: str, proc_root: str = "/proc") -> list[str]:
    """Remove lab containers of earlier runs whose owning process no longer exists."""
    orphans = []
    for container in _labelled(client, f"{LAB_LABEL}=1"):
        labels = container.get("Labels") or {}
        owner = Owner.parse(labels.get(OWNER_LABEL, ""))
        if labels.get(KEEP_LABEL) == "1" or owner is None or owner_alive(owner, boot_id, proc_root):
            continue
        orphans.append(container)
    return _remove_all(client, orphans)


def remove_run(client: Any, run_id: str) -> list[str]:
    return _remove_all(client, _labelled(client, f"{RUN_LABEL}={run_id}"))


def _labelled(client: Any, label: str) -> list[dict[str, Any]]:
    # The low-level list answers in one request; containers.list() also inspects each container.
    return client.api.containers(all=True, filters={"label": label})


def _remove_all(client: Any, containers: list[dict[str, Any]]) -> list[str]:
    """Force-remove side by side; the names of the removed containers.

    Force kills at once (`sleep infinity` as PID 1 ignores SIGTERM, so a stop would sit out its
    timeout); each removal then waits for the engine to unmount and unplug the container (about
    0.2 s here), which the engine does for several containers in parallel.
    """
    with ThreadPoolExecutor(max_workers=max(1, len(containers))) as pool:
        list(pool.map(lambda container: _remove(client, container["Id"]), containers))
    return [container["Names"][0].lstrip("/") for container in containers]


def _remove(client: Any, container_id: str) -> None:
    with contextlib.suppress(docker.errors.NotFound):
        client.api.remove_container(container_id, force=True, v=True)


@dataclass(frozen=True)
class Launcher:
    """Starts containers for one run, named as the course note names them (container1, container2)
    when those names are free."""

    client: Any
    run_id: str
    owner: Owner
    image: str
    name_prefix: str
    keep: bool

    def start(self, scenario: str, role: str, spec: ContainerSpec) -> str:
        labels = {
            LAB_LABEL: "1",
            RUN_LABEL: self.run_id,
            OWNER_LABEL: self.owner.label(),
            SCENARIO_LABEL: scenario,
            ROLE_LABEL: role,
        }
        if self.keep:
            labels[KEEP_LABEL] = "1"
        host_config = self.client.api.create_host_config(
            pid_mode=spec.pid_mode or None,
            network_mode=spec.network_mode or None,
            ipc_mode=spec.ipc_mode or None,
            uts_mode=spec.uts_mode or None,
            userns_mode=spec.userns_mode or None,
        )
        if spec.cgroupns_mode:
            # Set directly: SDK 5.0.x (Debian 12) has no cgroupns argument; API 1.41 has the field.
            host_config["CgroupnsMode"] = spec.cgroupns_mode
        number = role.removeprefix("container")
        plain = f"{self.name_prefix}{number}" + ("" if scenario == "baseline" else f"-{scenario}")
        # Try the course note's name first; if it is taken (a student's container, a kept or
        # concurrent run), the run id makes it unique. Acting on the engine's 409 avoids a
        # check-then-act race.
        for name in (plain, f"{plain}-{self.run_id}"):
            try:
                created = self.client.api.create_container(
                    self.image,
                    COMMAND,
                    name=name,
                    labels=labels,
                    host_config=host_config,
                    detach=True,
                )
                break
            except docker.errors.APIError as error:
                if error.status_code != 409 or name != plain:
                    raise
        try:
            self.client.api.start(created["Id"])
        except docker.errors.APIError as error:
            # The created container carries this run's labels: the run's cleanup removes it.
            raise engine_refused(role, str(error.explanation or error)) from None
        return created["Id"]


@contextlib.contextmanager
def signals_raise() -> Iterator[None]:
    """Turn SIGTERM (and SIGINT) into Interrupted, so `finally` blocks clean up.

    Only the main thread may install handlers; elsewhere the caller's handlers stay.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, _frame: object) -> None:
        raise Interrupted(signum)

    previous = {s: signal.signal(s, handler) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


@contextlib.contextmanager
def signals_deferred() -> Iterator[None]:
    """Cleanup must not be cut short by an impatient second Ctrl-C or SIGTERM."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.signal(s, signal.SIG_IGN) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)
