"""Wall time of `python3 -m lab experiment` on a warm host (image present) vs the course note's bare
commands scripted in shell (two docker run, two inspect, two ls -l /proc/PID/ns, then rm).

    .venv/bin/python bench/experiment_bench.py [--runs 7]

Prints median and spread per variant and its ratio to the course note's bare steps, both as ratio of
medians and as the median of per-round ratios (each round runs every variant back to back, so a
round's ratio is measured under one load: steadier on a shared machine); writes
bench/results/experiment.json.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from measure import PROJECT, ratios, spread, write_results

GOAL_RATIO = 1.5  # figure 4: within 1.5x of the bare commands...
BASELINE = "course note shell commands"
VENV = "nslab experiment (venv, SDK 7)"
DEBIAN = "nslab experiment (Debian python3, SDK 5.0.3)"
GOAL_VARIANTS = (VENV, DEBIAN)  # ...for the course note's experiment; --scenario all does 8 of them
SEED = """
set -e
c1=nslab-bench-c1-$$; c2=nslab-bench-c2-$$
docker run -d --name "$c1" debian:12 sleep infinity >/dev/null
docker run -d --name "$c2" debian:12 sleep infinity >/dev/null
pid1=$(docker inspect -f '{{.State.Pid}}' "$c1")
pid2=$(docker inspect -f '{{.State.Pid}}' "$c2")
ls -l /proc/$pid1/ns/ /proc/$pid2/ns/ >/dev/null
docker rm -f "$c1" "$c2" >/dev/null
"""


def variants(workdir: Path) -> dict[str, list[str]]:
    # The Debian-python variant runs a copy of the package, as the role ships it to a host.
    shutil.copytree(PROJECT / "lab", workdir / "lab", ignore=shutil.ignore_patterns("__pycache__"))
    out = ["--output-dir", str(workdir / "out"), "--format", "json"]
    return {
        BASELINE: ["sh", "-c", SEED],
        VENV: [sys.executable, "-m", "lab", "experiment", *out],
        DEBIAN: [
            "/usr/bin/python3", "-s", "-E", "-m", "lab", "experiment", *out
        ],
        "nslab experiment --scenario all (venv)": [
            sys.executable, "-m", "lab", "experiment", "--scenario", "all", *out
        ],
    }  # fmt: skip


def timed(command: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, check=False, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"{command[:5]} exited {result.returncode}:\n{result.stdout}{result.stderr}")
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nslab-bench-") as tmp:
        workdir = Path(tmp)
        commands = variants(workdir)
        for command in commands.values():
            timed(command, workdir)  # warm-up: page cache, image layers, Python bytecode
        samples = {name: [] for name in commands}
        for _ in range(args.runs):  # interleaved, so drift on the machine hits every variant alike
            for name, command in commands.items():
                samples[name].append(timed(command, workdir))
    bare = statistics.median(samples[BASELINE])
    results = {}
    for name, values in samples.items():
        times, per_round = spread(values), ratios(values, samples[BASELINE])
        results[name] = {
            "seconds": times,
            "ratio_of_medians": round(statistics.median(values) / bare, 2),
            "ratio_per_round": per_round,
        }
        print(
            f"{name:46} median {times['median']:6.2f} s  [{times['min']:.2f}-{times['max']:.2f}]  "
            f"per round x{per_round['median']:.2f} [{per_round['min']:.2f}-{per_round['max']:.2f}]"
        )
    for name in GOAL_VARIANTS:
        ratio = results[name]["ratio_per_round"]["median"]
        verdict = "within" if ratio <= GOAL_RATIO else "NOT within"
        print(f"goal: {name} x{ratio:.2f} per round, {verdict} x{GOAL_RATIO}")
    write_results("experiment", {"runs": args.runs, "goal_ratio": GOAL_RATIO, "results": results})
    return 0


if __name__ == "__main__":
    sys.exit(main())
