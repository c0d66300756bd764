"""What one task costs the controller for each host it runs on: Ansible's floor under any role.

    .venv/bin/python bench/task_cost_bench.py           # 3 rounds (what bench/run runs)
    .venv/bin/python bench/task_cost_bench.py --runs 1

A play of K tasks that do nothing on a host (`set_fact`, or a task skipped by its condition),
run with the project's ansible.cfg on a class of 30 inventory hosts that need no connection;
the controller's CPU (ansible-playbook and every worker it forks) with K = 20 minus K = 0,
divided by 20 x 30, is what each task costs per host before it does anything: the main process
queues it, a worker is forked for it, templates its condition and arguments and sends the
result back. A host's share of a class run is at least that times the tasks it passes through
(docs/benchmarks.md reads lab.yml's count against it). Writes bench/results/task_cost.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

from measure import PROJECT, spread, write_results

HOSTS = 30
TASKS = 20
# Two tasks that do nothing on the host: one that runs (sets a fact) and one its condition skips.
KINDS: dict[str, dict[str, object]] = {
    "set_fact": {"ansible.builtin.set_fact": {"nslab_bench": "{{ inventory_hostname }}"}},
    "skipped": {"ansible.builtin.debug": {"msg": "never"}, "when": "nslab_bench_never is defined"},
}


def inventory(directory: Path) -> Path:
    path = directory / "inventory.ini"
    python = sys.executable
    members = "".join(
        f"h{n:02d} ansible_connection=local ansible_python_interpreter={python}\n"
        for n in range(1, HOSTS + 1)
    )
    path.write_text(f"[lab_vms]\n{members}")
    return path


def playbook(directory: Path, kind: str, tasks: int) -> Path:
    """A play of `tasks` tasks of one kind (JSON is YAML)."""
    path = directory / f"{kind}-{tasks}.yml"
    play = {
        "name": f"{tasks} tasks ({kind})",
        "hosts": "lab_vms",
        "gather_facts": False,
        "tasks": [{"name": f"Task {n}", **KINDS[kind]} for n in range(tasks)],
    }
    path.write_text(json.dumps([play], indent=2))
    return path


def controller_cpu(inventory: Path, playbook: Path) -> float:
    """CPU seconds of ansible-playbook and its workers (all of them its reaped children)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    run = subprocess.run(
        [
            str(Path(sys.executable).parent / "ansible-playbook"),
            "-i",
            str(inventory),
            str(playbook),
        ],
        cwd=PROJECT,
        env={**os.environ, "ANSIBLE_CONFIG": str(PROJECT / "ansible.cfg")},
        capture_output=True,
        text=True,
        check=False,
    )
    if run.returncode != 0:
        sys.exit(f"{playbook.name} failed ({run.returncode}):\n{run.stdout}{run.stderr}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    per_task: dict[str, list[float]] = {kind: [] for kind in KINDS}
    empty: list[float] = []
    with tempfile.TemporaryDirectory(prefix="nslab-bench-tasks-") as tmp:
        directory = Path(tmp)
        hosts = inventory(directory)
        for round_number in range(1, args.runs + 1):
            # Each round measures its own baseline: the figures are differences within a round.
            baseline = controller_cpu(hosts, playbook(directory, "set_fact", 0))
            empty.append(baseline)
            for kind in KINDS:
                cpu = controller_cpu(hosts, playbook(directory, kind, TASKS))
                per_task[kind].append((cpu - baseline) / (TASKS * HOSTS))
                print(
                    f"round {round_number}: {TASKS} tasks ({kind}) on {HOSTS} hosts: {cpu:.2f} s "
                    f"of controller CPU, {baseline:.2f} s without them: "
                    f"{per_task[kind][-1] * 1000:.1f} ms a task a host",
                    flush=True,
                )
    write_results(
        "task_cost",
        {
            "runs": args.runs,
            "hosts": HOSTS,
            "tasks": TASKS,
            "empty_play_cpu_s": spread(empty),
            "per_task_per_host_ms": {
                kind: spread([value * 1000 for value in values], digits=1)
                for kind, values in per_task.items()
            },
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
