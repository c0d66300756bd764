"""The built-in default as a newcomer meets it: `nslab provision` (no inventory), cold and re-run.

    .venv/bin/python bench/default_bench.py [--reruns 2] [--release bookworm]

Cold: a build cache of its own, empty (NSLAB_CACHE), so the stand-in for download.docker.com,
the lab image's archive and the VM's base image (its debootstrap) are built, a fresh VM boots
under qemu (TCG on this machine kind) and the playbook converges it over SSH. Not counted, and
said so in the results: the controller's Debian packages (this machine has them) and the lab
image's debootstrap where this machine's Docker engine already holds an image of the same
recipe (images are kept by the engine, not the cache). Re-runs: the same command again on the
running VM, each must report 0 changed.

Each run is `nslab provision --project P` with P a project directory of its own (the checkout's
playbooks and roles, its own inventory/local.yml, runs/ and reports/), so nothing of the
checkout's is touched. Reported per run: wall seconds, nslab's own steps (its `...: done in X s`
lines: debootstrap, image archive, VM boot) and the playbook's phases from the run's job events
(bench/run_events.py). The VM is stopped at the end, also on failure. Writes
bench/results/default.json (the previous file's figures kept as `previous`). About 15 minutes;
run nothing else meanwhile.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from measure import PROJECT, RESULTS, write_results
from run_events import read_run

from lab.vm.lifecycle import default_state_dir

# The goals of the built-in default on a 2-core machine without KVM.
GOAL_COLD_S = 600
GOAL_RERUN_S = 45
STEP_DONE = re.compile(r"^(?:nslab: )?(.+?): done in ([0-9.]+) s$", re.MULTILINE)
RUN_DIR = re.compile(r"^Run:\s+(\S+)$", re.MULTILINE)


def project_of_its_own(root: Path) -> Path:
    project = root / "project"
    (project / "inventory").mkdir(parents=True)
    for name in ("ansible.cfg", "playbooks", "roles"):
        (project / name).symlink_to(PROJECT / name)
    (project / "inventory" / "group_vars").symlink_to(PROJECT / "inventory" / "group_vars")
    return project


def nslab(env: dict[str, str], *arguments: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "lab", *arguments],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=3600,
    )
    return time.monotonic() - started, result


def provision(env: dict[str, str], project: Path, release: str) -> dict[str, object]:
    wall, result = nslab(env, "provision", "--project", str(project), "--release", release)
    output = result.stdout + result.stderr
    if result.returncode != 0:
        sys.exit(f"nslab provision failed ({result.returncode}):\n{output[-4000:]}")
    run = read_run(Path(RUN_DIR.search(output)[1]))
    if set(run.changed) != {"vm1"}:
        sys.exit(f"expected the one VM vm1 in the recap, got {run.changed}")
    return {
        "wall_s": round(wall, 1),
        "changed": run.changed["vm1"],
        "playbook_s": round(run.host_seconds["vm1"], 1),
        "playbook_phases_s": {phase: round(s, 1) for phase, s in run.phases.items()},
        "nslab_steps_s": {what: float(s) for what, s in STEP_DONE.findall(output)},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reruns", type=int, default=2)
    parser.add_argument("--release", default="bookworm")
    args = parser.parse_args()
    load_at_start = [round(load, 2) for load in os.getloadavg()]
    previous_path = RESULTS / "default.json"
    previous = json.loads(previous_path.read_text()) if previous_path.exists() else None
    with tempfile.TemporaryDirectory(prefix="nslab-bench-default-", dir="/var/tmp") as tmp:
        cache = Path(tmp) / "cache"
        env = {**os.environ, "NSLAB_CACHE": str(cache), "ANSIBLE_NOCOLOR": "1"}
        project = project_of_its_own(Path(tmp))
        try:
            cold = provision(env, project, args.release)
            print(f"cold: {cold['wall_s']} s, {cold['changed']} changed", flush=True)
            reruns = []
            for _ in range(args.reruns):
                reruns.append(provision(env, project, args.release))
                print(f"re-run: {reruns[-1]['wall_s']} s", flush=True)
        finally:
            nslab(env, "vm", "down", "--state-dir", str(default_state_dir(cache)))
    if any(rerun["changed"] for rerun in reruns):
        sys.exit(f"a re-run changed something: {[rerun['changed'] for rerun in reruns]}")
    results = {
        "load_average_at_start": load_at_start,
        "release": args.release,
        "not_counted": [
            "the controller's Debian packages (installed on this machine)",
            "the lab image's debootstrap where this machine's engine already had the image",
        ],
        "goals_s": {"cold": GOAL_COLD_S, "rerun": GOAL_RERUN_S},
        "cold": cold,
        "reruns": reruns,
        "previous": previous
        and {
            "date": previous["machine"]["date"],
            "cold_s": previous["cold"]["wall_s"],
            "rerun_s": [rerun["wall_s"] for rerun in previous["reruns"]],
        },
    }
    print(f"results: {write_results('default', results)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
