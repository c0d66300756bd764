"""The docker_engine role against the course note's bare install steps, on identical fresh hosts.

    .venv/bin/python bench/install_bench.py [--runs 5]

Each round boots two fresh Debian 12 hosts from the same image: on one the course note's shell steps
run directly (lab/testing/course_note_steps.py through `docker exec`, the stand-in's URL in place of
download.docker.com, apt told to answer yes), on the other `ansible-playbook playbooks/docker.yml`,
which then runs a second time on the converged host. The order of the first two alternates between
rounds, so a trend in the machine's load or the mirror's speed hits both. Both end with the engine
answering `docker info`. For the role it also records the controller's CPU (user + system of
ansible-playbook and everything it reaped) and the tasks the host passed through (the play recap).
Writes bench/results/install.json with the role's time per round as a ratio to the bare steps' and
the previous run's medians next to the new ones.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
from pathlib import Path

import docker
from docker.models.containers import Container
from lab_hosts import Measured, fresh_hosts, measure, write_inventory
from measure import PROJECT, RESULTS, ratios, spread, write_results

from lab.testing import Testbed, bed
from lab.testing.course_note_steps import course_note_script

GOAL_RATIO = 1.10  # the role adds no more than 10% to the bare steps
GOAL_RERUN_S = 3.0  # a converged host re-runs in 3 s or less
GOAL_TASKS = 25  # ok + changed + skipped of a fresh host's recap
GOAL_CPU_S = {"first": 2.0, "rerun": 0.5}  # controller CPU per host
PROFILE_LINE = re.compile(r" -+ \d+\.\d+s$")
RECAP = re.compile(r"ok=(\d+)\s+changed=(\d+)\s+unreachable=\d+\s+failed=\d+\s+skipped=(\d+)")


def seed_steps(host: Container, testbed: Testbed) -> Measured:
    # The role waits until the engine answers; so does the bare side.
    script = course_note_script(testbed.standin_base_url, install=True) + "docker info >/dev/null\n"
    command = ["docker", "exec", "-e", "DEBIAN_FRONTEND=noninteractive", host.name]
    return checked(measure([*command, "sh", "-c", script], cwd=PROJECT))


def role(host: Container, testbed: Testbed, workdir: Path) -> Measured:
    return ansible_playbook(PROJECT / "playbooks" / "docker.yml", host, testbed, workdir)


def startup(host: Container, testbed: Testbed, workdir: Path) -> Measured:
    """A play without tasks: what starting ansible-playbook costs the controller, whatever the
    role does (the part of the CPU figures no role can save)."""
    playbook = workdir / "empty.yml"
    playbook.write_text("- name: Nothing\n  hosts: all\n  gather_facts: false\n  tasks: []\n")
    return ansible_playbook(playbook, host, testbed, workdir)


def ansible_playbook(playbook: Path, host: Container, testbed: Testbed, workdir: Path) -> Measured:
    inventory = write_inventory(workdir / "inventory.json", [host], testbed.role_variables())
    command = [str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(inventory)]
    env = {"ANSIBLE_CONFIG": str(PROJECT / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1"}
    return checked(measure([*command, str(playbook)], cwd=PROJECT, env=env))


def checked(measured: Measured) -> Measured:
    if measured.returncode != 0:
        sys.exit(f"failed ({measured.returncode}):\n{measured.output[-4000:]}")
    return measured


def recap(measured: Measured) -> dict[str, int]:
    """The play recap's counts; `ok` includes the changed tasks, as Ansible counts them."""
    match = RECAP.search(measured.output)
    if not match:
        sys.exit(f"no play recap in:\n{measured.output[-2000:]}")
    ok, changed, skipped = map(int, match.groups())
    return {"ok": ok, "changed": changed, "skipped": skipped, "tasks": ok + skipped}


def profile(measured: Measured) -> list[str]:
    """profile_tasks' table (ansible.cfg enables it): where the run's time went."""
    table = measured.output.split("TASKS RECAP", 1)[-1]
    return [line.strip() for line in table.splitlines() if PROFILE_LINE.search(line)]


def previous_figures() -> dict[str, object] | None:
    """The medians of the run this one replaces, to show next to the new ones."""
    path = RESULTS / "install.json"
    if not path.exists():
        return None
    old = json.loads(path.read_text())
    return {
        "date": old["machine"]["date"],
        "runs": old["runs"],
        "seed_steps_s": old["seed_steps_s"]["median"],
        "role_s": old["role_s"]["median"],
        "role_to_seed": old["role_to_seed_per_round"]["median"],
        "rerun_s": old.get("rerun_s", {}).get("median"),
        "controller_cpu_s": {
            run: figures["median"] for run, figures in old.get("controller_cpu_s", {}).items()
        },
        "tasks": sum(old["recap_first"][count] for count in ("ok", "changed", "skipped"))
        if "recap_first" in old
        else None,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    client, testbed = docker.from_env(), bed.up()
    load_at_start = [round(load, 2) for load in os.getloadavg()]
    seed_s: list[float] = []
    first: list[Measured] = []
    rerun: list[Measured] = []
    empty: list[Measured] = []
    for round_number in range(args.runs):
        with (
            fresh_hosts(client, testbed, 2, f"install{round_number}") as (bare, managed),
            tempfile.TemporaryDirectory(prefix="nslab-bench-") as tmp,
        ):
            if round_number % 2 == 0:
                seed_s.append(seed_steps(bare, testbed).seconds)
                first.append(role(managed, testbed, Path(tmp)))
            else:
                first.append(role(managed, testbed, Path(tmp)))
                seed_s.append(seed_steps(bare, testbed).seconds)
            rerun.append(role(managed, testbed, Path(tmp)))
            empty.append(startup(managed, testbed, Path(tmp)))
        if recap(rerun[-1])["changed"] != 0:
            sys.exit(f"the re-run changed the converged host:\n{rerun[-1].output[-4000:]}")
        role_first, role_rerun = first[-1], rerun[-1]
        print(
            f"round {round_number + 1}: bare steps {seed_s[-1]:.1f} s,"
            f" role {role_first.seconds:.1f} s (CPU {role_first.cpu_seconds:.2f} s),"
            f" re-run {role_rerun.seconds:.1f} s (CPU {role_rerun.cpu_seconds:.2f} s)"
        )
    per_round = ratios([m.seconds for m in first], seed_s)
    rerun_s = spread([m.seconds for m in rerun], digits=1)
    tasks = recap(first[0])
    cpu = {
        "first": spread([m.cpu_seconds for m in first], digits=2),
        "rerun": spread([m.cpu_seconds for m in rerun], digits=2),
        "empty_play": spread([m.cpu_seconds for m in empty], digits=2),
    }
    goals = {
        "ratio": per_round["median"] <= GOAL_RATIO,
        "rerun_s": rerun_s["median"] <= GOAL_RERUN_S,
        "tasks": tasks["ok"] + tasks["changed"] + tasks["skipped"] <= GOAL_TASKS,
        "cpu_first": cpu["first"]["median"] <= GOAL_CPU_S["first"],
        "cpu_rerun": cpu["rerun"]["median"] <= GOAL_CPU_S["rerun"],
    }
    for goal, met in goals.items():
        print(f"goal {goal}: {'met' if met else 'NOT met'}")
    median_round = sorted(range(args.runs), key=lambda index: first[index].seconds)[args.runs // 2]
    write_results(
        "install",
        {
            "runs": args.runs,
            "target_hosts": "Debian 12 systemd containers on this machine (docker connection)",
            "goal_ratio": GOAL_RATIO,
            "goal_rerun_s": GOAL_RERUN_S,
            "goal_tasks": GOAL_TASKS,
            "goal_cpu_s": GOAL_CPU_S,
            "seed_steps_s": spread(seed_s, digits=1),
            "role_s": spread([m.seconds for m in first], digits=1),
            "role_to_seed_per_round": per_round,
            "rerun_s": rerun_s,
            "controller_cpu_s": cpu,
            "recap_first": tasks,
            "recap_rerun": recap(rerun[0]),
            "goals_met": goals,
            "profile_first_median_round": profile(first[median_round]),
            "profile_rerun_median_round": profile(
                sorted(rerun, key=lambda m: m.seconds)[args.runs // 2]
            ),
            # Other work on the machine widens the spread; ratios within a round stay comparable.
            "load_average_at_start": load_at_start,
            "machine_busy_first": round(statistics.mean(m.machine_busy for m in first), 2),
            "previous": previous_figures(),
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
