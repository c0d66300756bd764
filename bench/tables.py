"""Render bench/results/*.json as the tables of docs/benchmarks.md (between its markers).

    .venv/bin/python bench/tables.py

Only the part between BEGIN and END is rewritten; the reading of the figures around it is prose.
"""

from __future__ import annotations

import json
import sys

from measure import PROJECT, RESULTS

DOC = PROJECT / "docs" / "benchmarks.md"
BEGIN = "<!-- BEGIN bench/tables.py: generated, do not edit -->"
END = "<!-- END bench/tables.py -->"


def load(name: str) -> dict:
    return json.loads((RESULTS / f"{name}.json").read_text())


def seconds(summary: dict) -> str:
    return f"{summary['median']:g} s ({summary['min']:g}-{summary['max']:g})"


def ratio(summary: dict) -> str:
    return f"x{summary['median']:.2f} ({summary['min']:.2f}-{summary['max']:.2f})"


def machine_line(name: str, results: dict) -> str:
    m = results["machine"]
    return (
        f"*{name}: {m['date']}, {m['cpus']} CPUs, {m['memory_gib']} GiB, kernel {m['kernel']}, "
        f"Docker {m['docker_engine']}, load average at the end {m['load_average'][0]}.*"
    )


def install_table(results: dict) -> list[str]:
    first, rerun, cpu = results["recap_first"], results["recap_rerun"], results["controller_cpu_s"]
    tasks = first["ok"] + first["changed"] + first["skipped"]
    lines = [
        "### 1. The docker_engine role against the course note's bare steps (fresh hosts)",
        "",
        machine_line("bench/install_bench.py", results)
        + f" {results['runs']} rounds; load average at the start"
        f" {results['load_average_at_start'][0]}.",
        "",
        "| Run | Bare steps | `playbooks/docker.yml` | Role / bare, per round | Re-run, converged "
        "| Controller CPU, first / re-run | Tasks of a fresh host (ok + changed + skipped) |",
        "|---|---|---|---|---|---|---|",
        f"| this run | {seconds(results['seed_steps_s'])} | {seconds(results['role_s'])} "
        f"| {ratio(results['role_to_seed_per_round'])} "
        f"| {seconds(results['rerun_s'])}, changed={rerun['changed']} "
        f"| {seconds(cpu['first'])} / {seconds(cpu['rerun'])} "
        f"| {tasks} ({first['ok']} + {first['changed']} + {first['skipped']}; "
        f"{first['tasks']} tasks) |",
    ]
    previous = results.get("previous")
    if previous:
        rerun_s = f"{previous['rerun_s']:g} s" if previous.get("rerun_s") else "not measured"
        old_cpu = previous.get("controller_cpu_s") or {}
        cpu_s = f"{old_cpu['first']:g} s / {old_cpu['rerun']:g} s" if old_cpu else "not measured"
        lines.append(
            f"| previous ({previous['date']}, {previous['runs']} rounds) "
            f"| {previous['seed_steps_s']:g} s | {previous['role_s']:g} s "
            f"| x{previous['role_to_seed']:.2f} | {rerun_s} | {cpu_s} "
            f"| {previous.get('tasks') or 'not measured'} |"
        )
    goal_cpu = results["goal_cpu_s"]
    lines += [
        f"| goal | | | ≤ x{results['goal_ratio']:.2f} | ≤ {results['goal_rerun_s']:g} s, "
        f"changed=0 | ≤ {goal_cpu['first']:g} s / ≤ {goal_cpu['rerun']:g} s "
        f"| ≤ {results['goal_tasks']} |",
        "",
        f"Starting ansible-playbook with a play of no tasks costs the controller"
        f" {seconds(cpu['empty_play'])} of CPU on its own: the part of the CPU figures no role"
        " can save, paid once per run whatever the number of hosts.",
        "",
        "Where a run's time goes (`profile_tasks`, the round with the median first run):",
        "",
        "```",
        "first run:",
        *results["profile_first_median_round"][:8],
        "re-run:",
        *results["profile_rerun_median_round"][:3],
        "```",
        "",
    ]
    return lines


def vm_rerun_table(results: dict) -> list[str]:
    rerun = results["recap_rerun"]
    return [
        "Re-run of a converged host over SSH, on a real VM:",
        "",
        machine_line("bench/vm_rerun_bench.py", results)
        + f" {results['runs']} re-runs; load average at the start"
        f" {results['load_average_at_start'][0]}. Host: {results['target_host']},"
        f" accelerator {results['accel']}.",
        "",
        "| First converge over SSH | Re-run, converged | Controller CPU, re-run | Goal |",
        "|---|---|---|---|",
        f"| {results['first_converge_s']:g} s ({results['first_converge_cpu_s']:g} s CPU) "
        f"| {seconds(results['rerun_s'])}, changed={rerun['changed']} "
        f"({rerun['ok']} ok, {rerun['skipped']} skipped) "
        f"| {seconds(results['rerun_cpu_s'])} | ≤ {results['goal_rerun_s']:g} s, changed=0 |",
        "",
        "```",
        "re-run (the median one):",
        *results["profile_rerun_median_round"][:3],
        "```",
        "",
    ]


def default_table(results: dict) -> list[str]:
    cold, reruns = results["cold"], results["reruns"]
    rerun_walls = ", ".join(f"{rerun['wall_s']:g} s" for rerun in reruns)
    lines = [
        "The built-in default (`nslab provision`, no inventory), cold and re-run:",
        "",
        machine_line("bench/default_bench.py", results)
        + f" Load average at the start {results['load_average_at_start'][0]}."
        f" Debian {results['release']}; not counted: {'; '.join(results['not_counted'])}.",
        "",
        "| | Cold | Re-run (0 changed) |",
        "|---|---|---|",
        f"| this run | {cold['wall_s']:g} s (playbook {cold['playbook_s']:g} s) | {rerun_walls} |",
    ]
    previous = results.get("previous")
    if previous:
        old_reruns = ", ".join(f"{wall:g} s" for wall in previous["rerun_s"])
        lines.append(f"| previous ({previous['date']}) | {previous['cold_s']:g} s | {old_reruns} |")
    goals = results["goals_s"]
    lines += [
        f"| goal | ≤ {goals['cold']:g} s | ≤ {goals['rerun']:g} s |",
        "",
        "```",
        "cold, nslab's own steps (s):",
        *(f"  {what}: {s:g}" for what, s in cold["nslab_steps_s"].items()),
        "cold, the playbook's phases (s):",
        *(f"  {phase}: {s:g}" for phase, s in cold["playbook_phases_s"].items()),
        "```",
        "",
    ]
    return lines


def class_tables(results: dict) -> list[str]:
    lines = [
        "### 2, 3 and 5. A class at once: first run, re-run, scale, controller cost",
        "",
        machine_line("bench/class_bench.py", results)
        + f" Hosts: {results['target_hosts']}; `nslab provision` of `playbooks/lab.yml`.",
        "",
        "| Hosts | First run | x 1 host | Re-run | Re-run / first (per host) | Changed on re-run "
        "| apt / image / experiment (first) | Downloaded | Controller CPU, first / re-run "
        "| Controller per host: CPU, first / re-run | peak PSS | over SSH, first / re-run "
        "| Machine CPU busy, load |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        *map(class_row, results["classes"]),
    ]
    previous = results.get("previous")
    if previous:
        lines += [
            "",
            machine_line("previous bench/class_bench.py", previous)
            + f" Hosts: {previous.get('target_hosts') or 'docker connection'}.",
            "",
            lines[4],
            lines[5],
            *map(class_row, previous["classes"]),
        ]
    cached = results.get("cached")
    same = next((c for c in results["classes"] if cached and c["hosts"] == cached["hosts"]), None)
    if cached and same:
        lines += [
            "",
            "Behind one shared apt-cacher-ng (`docker_engine_apt_proxy`),"
            f" {cached['hosts']} hosts:",
            "",
            "| | First run | Hosts downloaded | Fetched from upstream |",
            "|---|---|---|---|",
            f"| without a cache | {same['first']['wall_s']} s | {same['downloaded_mib']} MiB "
            f"| {same['downloaded_mib']} MiB (every host from upstream) |",
            f"| with apt-cacher-ng | {cached['first']['wall_s']} s "
            f"| {cached['downloaded_mib']} MiB "
            f"| {cached['upstream_mib']} MiB (x{cached['upstream_to_uncached']:.2f}) |",
        ]
    return [*lines, ""]


def class_row(c: dict) -> str:
    """One class size: the per-host columns divide the class's figures by its size (SSH bytes:
    the median host); a class reached with docker exec has no SSH bytes."""
    first, rerun, size = c["first"], c["rerun"], c["hosts"]
    per_host = list(c["rerun_to_first_per_host"].values())
    phases = first["phases_wall_s"]
    ssh = (
        f"{first['ssh_mib_per_host']} / {rerun['ssh_mib_per_host']} MiB"
        if "ssh_mib_per_host" in first
        else "not measured"
    )
    return (
        f"| {size}{' (apt cache)' if c.get('apt_cache') else ''} | {first['wall_s']} s "
        f"| x{c.get('first_to_one_host', 1):.2f} "
        f"| {rerun['wall_s']} s | x{c['rerun_to_first']:.2f} "
        f"({min(per_host):.2f}-{max(per_host):.2f}) | {sum(rerun['changed'].values())} "
        f"| {phases['apt']} / {phases['lab image']} / {phases['experiment']} s "
        f"| {c['downloaded_mib']} MiB "
        f"| {first['controller_cpu_s']} / {rerun['controller_cpu_s']} s "
        f"| {first['controller_cpu_s'] / size:.2f} / {rerun['controller_cpu_s'] / size:.2f} s "
        f"| {first['controller_peak_pss_mib'] / size:.1f} MiB | {ssh} "
        f"| {first['machine_busy']:.0%}, {first.get('load_average', ['?'])[0]} |"
    )


def task_cost_table(results: dict) -> list[str]:
    per_task = results["per_task_per_host_ms"]
    lines = [
        "### What one task costs the controller for each host",
        "",
        machine_line("bench/task_cost_bench.py", results)
        + f" {results['runs']} rounds; {results['tasks']} tasks that do nothing on"
        f" {results['hosts']} hosts against none.",
        "",
        "| Task | Controller CPU per task and host |",
        "|---|---|",
    ]
    lines += [
        f"| {kind} | {v['median']:g} ms ({v['min']:g}-{v['max']:g}) |"
        for kind, v in per_task.items()
    ]
    return [
        *lines,
        "",
        f"A play of no tasks on {results['hosts']} hosts: {seconds(results['empty_play_cpu_s'])}.",
        "",
    ]


def experiment_table(results: dict) -> list[str]:
    lines = [
        "### 4. The experiment on a warm host against the course note's bare commands",
        "",
        machine_line("bench/experiment_bench.py", results) + f" {results['runs']} rounds.",
        "",
        "| Variant | Wall time | Per round, x the course note's commands |",
        "|---|---|---|",
    ]
    for name, figures in results["results"].items():
        lines.append(
            f"| {name} | {seconds(figures['seconds'])} | {ratio(figures['ratio_per_round'])} |"
        )
    return [*lines, f"\nGoal: ≤ x{results['goal_ratio']} for the course note's experiment.", ""]


def registry_table(results: dict) -> list[str]:
    lines = [
        "### How the lab image reaches a host: archive or class registry",
        "",
        machine_line("bench/registry_bench.py", results) + f" {results['runs']} rounds each.",
        "",
        "| Route | Image (unpacked) | Bytes per host | What they are | Wall time "
        "(experiment.yml) | Controller CPU |",
        "|---|---|---|---|---|---|",
    ]
    for name, v in results["variants"].items():
        lines.append(
            f"| {name} | {v['image_mib']} MiB | {v['bytes_per_host_mib']} MiB "
            f"| {v['bytes_per_host_is']} | {seconds(v['wall_s'])} "
            f"| {seconds(v['controller_cpu_s'])} |"
        )
    return [*lines, "\nGoal: ≤ ~50 MB per host (Debian's official image, compressed).", ""]


def main() -> int:
    generated = [
        BEGIN,
        "",
        "Median (min-max) of every sample; ratios are taken per round, within one run.",
        "",
        *install_table(load("install")),
        *vm_rerun_table(load("vm_rerun")),
        *default_table(load("default")),
        *class_tables(load("class")),
        *task_cost_table(load("task_cost")),
        *experiment_table(load("experiment")),
        *registry_table(load("registry")),
        END,
    ]
    text = DOC.read_text()
    if BEGIN not in text or END not in text:
        sys.exit(f"{DOC}: the markers {BEGIN!r} and {END!r} are missing")
    before, rest = text.split(BEGIN, 1)
    after = rest.split(END, 1)[1]
    DOC.write_text(before + "\n".join(generated) + after)
    print(f"wrote the tables of {DOC.relative_to(PROJECT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
