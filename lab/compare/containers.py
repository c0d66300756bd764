"""The container side: start N containers from the lab image, measure each, remove them all.

The containers carry the experiment's labels (lab, run, owner), so the experiment's cleanup
finds them too: this run removes them by its run label, and should this process die without
cleaning up, the next `nslab experiment` removes them as leftovers of a dead owner.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from lab.compare.measure import cgroup_memory_bytes
from lab.compare.model import ContainerMeasure
from lab.experiment.containers import COMMAND, LAB_LABEL, OWNER_LABEL, RUN_LABEL, Owner


def start_and_measure(
    client: Any, image: str, count: int, run_id: str, owner: Owner
) -> tuple[list[ContainerMeasure], list[int]]:
    """One after the other, so each start is timed alone; returns the measures and host PIDs."""
    labels = {LAB_LABEL: "1", RUN_LABEL: run_id, OWNER_LABEL: owner.label()}
    measures, pids = [], []
    for number in range(1, count + 1):
        name = f"nslab-compare-{run_id}-{number}"
        started = time.monotonic()
        created = client.api.create_container(image, COMMAND, name=name, labels=labels, detach=True)
        client.api.start(created["Id"])
        exec_id = client.api.exec_create(created["Id"], ["true"])
        client.api.exec_start(exec_id["Id"])
        seconds = time.monotonic() - started
        if client.api.exec_inspect(exec_id["Id"])["ExitCode"] != 0:
            raise RuntimeError(f"`true` failed in container {name}")
        pid = client.api.inspect_container(created["Id"])["State"]["Pid"]
        pids.append(pid)
        measures.append(ContainerMeasure(name, round(seconds, 3), cgroup_memory_bytes(pid), 0))
    # Sizes last, in one request: the engine walks each container's writable layer to answer.
    listed = client.api.containers(all=True, filters={"label": f"{RUN_LABEL}={run_id}"}, size=True)
    written = {entry["Names"][0].lstrip("/"): int(entry.get("SizeRw") or 0) for entry in listed}
    sized = [replace(m, writable_layer_bytes=written[m.name]) for m in measures]
    return sized, pids
