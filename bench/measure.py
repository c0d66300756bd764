"""What every benchmark shares: summaries of repeated samples, the machine a run was on, and the
results file each benchmark writes under bench/results/.

Figures are only compared within one run (the machines are noisy): a ratio is taken per round
against a baseline measured in the same round, and the median and spread of those are reported.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
from datetime import UTC, datetime
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
RESULTS = PROJECT / "bench" / "results"


def spread(values: list[float], digits: int = 3) -> dict[str, object]:
    """Median, extremes and every sample: what a results table quotes."""
    return {
        "median": round(statistics.median(values), digits),
        "min": round(min(values), digits),
        "max": round(max(values), digits),
        "stdev": round(statistics.stdev(values), digits) if len(values) > 1 else 0.0,
        "samples": [round(value, digits) for value in values],
    }


def ratios(values: list[float], baseline: list[float]) -> dict[str, object]:
    """Each sample divided by the baseline of its own round, summarised."""
    return spread([value / base for value, base in zip(values, baseline, strict=True)], digits=2)


def machine() -> dict[str, object]:
    """The machine and moment a figure belongs to."""
    docker = subprocess.run(
        ["docker", "version", "--format", "{{.Server.Version}}"],
        capture_output=True,
        text=True,
        check=False,
    )
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "host": platform.node(),
        "kernel": os.uname().release,
        "cpus": os.cpu_count(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30),
        "docker_engine": docker.stdout.strip() or "unknown",
        "load_average": [round(load, 2) for load in os.getloadavg()],
    }


def write_results(name: str, results: dict[str, object]) -> Path:
    """bench/results/<name>.json: the figures plus the machine they were measured on."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps({"machine": machine(), **results}, indent=2) + "\n")
    print(f"wrote {path.relative_to(PROJECT)}")
    return path
