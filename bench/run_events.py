"""Where a provision run spent its time, read from ansible-runner's job events in its artifacts."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

# Tasks grouped by what limits them; everything else is Ansible's own per-task round trip.
PHASES = {
    "apt": (
        "Docker's install step 1: install ca-certificates and curl",
        "Docker's install step 4: install the Docker packages",
        "Install python3, python3-docker and util-linux from Debian",
    ),
    "lab image": ("Copy the image archive to the host", "Load the image archive"),
    "experiment": (
        "Run the two-container namespace experiment",
        "Fetch the report to the controller",
    ),
}
RESULT_EVENTS = ("runner_on_ok", "runner_on_failed", "runner_on_skipped", "runner_on_unreachable")


@dataclass(frozen=True)
class RunTimes:
    host_seconds: dict[str, float]  # first task start to last task end, per host
    changed: dict[str, int]  # per host, from the play recap
    phases: dict[str, float]  # wall seconds per phase (a task's span across all hosts)


def read_run(run_dir: Path) -> RunTimes:
    events = [
        json.loads(path.read_text())
        for path in (run_dir / "artifacts" / run_dir.name / "job_events").glob("*.json")
    ]
    host_spans: dict[str, list[datetime]] = defaultdict(list)
    task_spans: dict[str, list[datetime]] = defaultdict(list)
    task_names: dict[str, str] = {}
    changed: dict[str, int] = {}
    for event in events:
        data = event.get("event_data", {})
        if event["event"] == "playbook_on_stats":
            # Hosts with nothing changed are missing from "changed" but present in "ok".
            changed = {host: data.get("changed", {}).get(host, 0) for host in data.get("ok", {})}
        if event["event"] not in RESULT_EVENTS or "start" not in data:
            continue
        span = [datetime.fromisoformat(data["start"]), datetime.fromisoformat(data["end"])]
        if data["host"] != "localhost":
            host_spans[data["host"]] += span
        task_spans[data["task_uuid"]] += span
        task_names[data["task_uuid"]] = data["task"]
    phases = dict.fromkeys(PHASES, 0.0)
    for uuid, span in task_spans.items():
        for phase, names in PHASES.items():
            if task_names[uuid] in names:
                phases[phase] += (max(span) - min(span)).total_seconds()
    return RunTimes(
        host_seconds={
            host: round((max(span) - min(span)).total_seconds(), 1)
            for host, span in sorted(host_spans.items())
        },
        changed={host: count for host, count in changed.items() if host != "localhost"},
        phases={phase: round(seconds, 1) for phase, seconds in phases.items()},
    )
