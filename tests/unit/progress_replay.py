"""A class's event stream, replayed through `nslab provision`'s progress display.

The events have the shape ansible-runner's callback gives them (see test_provision_events.py)
and the order a run with forks=20 produces: each task starts on up to 20 hosts before their
results come back. Some hosts fail a task (with apt's message), some are unreachable at the
first task; the rest finish. Run as a script, it replays to stderr with a short pause between
events, so a real terminal (tmux in the tests) shows the display as an instructor sees it.

    python tests/unit/progress_replay.py [HOSTS] [PAUSE_S]
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from typing import Any

from lab.provision.events import EventTracker
from lab.provision.progress import progress_for

TASKS = (
    "Gathering Facts",
    "docker_engine : Read what the host has",
    "docker_engine : Add Docker's apt repository",
    "docker_engine : Install Docker Engine",
    "namespace_lab : Run the namespace experiment",
    "namespace_lab : Fetch the report",
)
FORKS = 20
UNREACHABLE_MESSAGE = (
    "Failed to connect to the host via ssh: ssh: connect to host port 22: timed out"
)
FAILED_MESSAGE = "non-zero return code: E: Unable to locate package docker-ce"
DONE_MARKER = "replay finished"


def host_names(count: int) -> list[str]:
    return [f"pc{number:02d}.class.example" for number in range(1, count + 1)]


def fate(index: int) -> tuple[str, int]:
    """How host number `index` ends: ("ok" | "failed" | "unreachable", task number)."""
    if index % 10 == 7:
        return "unreachable", 0
    if index % 10 == 3:
        return "failed", 3
    return "ok", len(TASKS)


def event(kind: str, host: str, task: str, **result: Any) -> dict[str, Any]:
    return {"event": kind, "event_data": {"host": host, "task": task, "res": result}}


def class_events(count: int) -> Iterator[dict[str, Any]]:
    hosts = host_names(count)
    alive = list(range(count))
    for task_number, task in enumerate(TASKS):
        for batch_start in range(0, len(alive), FORKS):
            batch = alive[batch_start : batch_start + FORKS]
            for index in batch:
                yield event("runner_on_start", hosts[index], task)
            for index in batch:
                end, at = fate(index)
                if at != task_number:
                    yield event("runner_on_ok", hosts[index], task, changed=task_number == 3)
                elif end == "unreachable":
                    yield event(
                        "runner_on_unreachable", hosts[index], task, msg=UNREACHABLE_MESSAGE
                    )
                else:
                    yield event("runner_on_failed", hosts[index], task, msg=FAILED_MESSAGE)
        alive = [index for index in alive if fate(index)[1] != task_number]
    stats: dict[str, dict[str, int]] = {"processed": {}, "dark": {}, "failures": {}}
    for index, host in enumerate(hosts):
        stats["processed"][host] = 1
        end, _ = fate(index)
        if end == "unreachable":
            stats["dark"][host] = 1
        elif end == "failed":
            stats["failures"][host] = 1
    yield {"event": "playbook_on_stats", "event_data": stats}


def replay(count: int, stream: Any, pause_s: float = 0.0) -> EventTracker:
    tracker = EventTracker(host_names(count))
    display = progress_for(stream, list(tracker.hosts.values()))
    for item in class_events(count):
        changed = tracker.handle(item)
        if changed is not None:
            display.update(changed)
        time.sleep(pause_s)
    display.finish()
    return tracker


if __name__ == "__main__":
    replay(int(sys.argv[1]), sys.stderr, float(sys.argv[2]))
    print(DONE_MARKER, file=sys.stderr, flush=True)
