"""A class provisioned at once: `nslab provision` of playbooks/lab.yml on 1, 2, 4 and 8 fresh hosts.

    .venv/bin/python bench/class_bench.py [--hosts 1 2 4 8] [--cached 8]

For each class size: wall time of the first run and of the idempotent re-run (figures 2 and 3
of docs/benchmarks.md), each host's own time and changed count, where the time went (apt, the
lab image, the experiment, the rest: Ansible's per-task round trips), the bytes the hosts
downloaded, and what the controller paid (CPU seconds and peak memory of nslab and everything it
started; figure 5).
Then the largest class once more behind one shared apt-cacher-ng (docker_engine_apt_proxy), to
compare the bytes fetched from upstream. Hosts are Debian 12 systemd containers on this machine
(see bench/lab_hosts.py): they share its 2 CPUs, which a class of real VMs would not.
Writes bench/results/class.json.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

import docker
from lab_hosts import (
    Measured,
    fresh_hosts,
    measure,
    received_bytes_total,
    write_inventory,
)
from measure import PROJECT, write_results
from run_events import RunTimes, read_run

from lab.provision.runs import RunsDir
from lab.testing import Testbed, bed
from lab.testing.aptcache import start_apt_cache

# The project parts a run needs; runs/ and reports/ then land in the scratch project.
PROJECT_PARTS = ("ansible.cfg", "playbooks", "roles")
MIB = 2**20


def scratch_project(directory: Path) -> Path:
    directory.mkdir()
    for part in PROJECT_PARTS:
        (directory / part).symlink_to(PROJECT / part)
    return directory


def provision(project: Path, inventory: Path) -> tuple[Measured, RunTimes]:
    command = [sys.executable, "-m", "lab", "provision", "--project", str(project)]
    measured = measure([*command, "-i", str(inventory), "--playbook", "lab.yml"], cwd=PROJECT)
    if measured.returncode != 0:
        sys.exit(f"nslab provision failed ({measured.returncode}):\n{measured.output}")
    last_run = RunsDir(project / "runs").runs()[-1].path
    return measured, read_run(last_run)


def run_figures(measured: Measured, times: RunTimes) -> dict[str, object]:
    return {
        "wall_s": round(measured.seconds, 1),
        "host_s_median": statistics.median(times.host_seconds.values()),
        "host_s": times.host_seconds,
        "changed": times.changed,
        "phases_wall_s": times.phases,
        "controller_cpu_s": round(measured.cpu_seconds, 1),
        "controller_peak_pss_mib": round(measured.peak_pss_mib, 1),
        "machine_busy": round(measured.machine_busy, 2),
    }


def one_class(
    client: docker.DockerClient, testbed: Testbed, size: int, workdir: Path
) -> dict[str, object]:
    project = scratch_project(workdir / f"class-{size}")
    with fresh_hosts(client, testbed, size, f"class{size}") as hosts:
        variables = testbed.role_variables()
        inventory = write_inventory(workdir / f"class-{size}.json", hosts, variables)
        first = run_figures(*provision(project, inventory))
        downloaded = received_bytes_total(hosts)
        rerun = run_figures(*provision(project, inventory))
    rerun_ratios = {
        host: round(seconds / first["host_s"][host], 2) for host, seconds in rerun["host_s"].items()
    }
    figures = {
        "hosts": size,
        "first": first,
        "rerun": rerun,
        "rerun_to_first": round(rerun["wall_s"] / first["wall_s"], 2),
        "rerun_to_first_per_host": rerun_ratios,
        "downloaded_mib": round(downloaded / MIB, 1),
    }
    print(
        f"{size} host(s): first {first['wall_s']} s, re-run {rerun['wall_s']} s "
        f"(x{figures['rerun_to_first']}, changed {sorted(set(rerun['changed'].values()))}), "
        f"downloaded {figures['downloaded_mib']} MiB, controller {first['controller_cpu_s']} "
        f"CPU s / {first['controller_peak_pss_mib']} MiB peak"
    )
    return figures


def cached_class(
    client: docker.DockerClient, testbed: Testbed, size: int, workdir: Path
) -> dict[str, object]:
    """The same class behind one empty apt-cacher-ng: what it fetched from upstream."""
    project = scratch_project(workdir / f"cached-{size}")
    cache = start_apt_cache(client, testbed.network, f"nslab-bench-apt-cache-{size}")
    try:
        with fresh_hosts(client, testbed, size, f"cached{size}") as hosts:
            variables = {**testbed.role_variables(), "docker_engine_apt_proxy": cache.url}
            inventory = write_inventory(workdir / f"cached-{size}.json", hosts, variables)
            first = run_figures(*provision(project, inventory))
            downloaded = received_bytes_total(hosts)
            upstream = cache.received_bytes()
    finally:
        cache.remove()
    figures = {
        "hosts": size,
        "first": first,
        "downloaded_mib": round(downloaded / MIB, 1),
        "upstream_mib": round(upstream / MIB, 1),
    }
    print(
        f"{size} host(s) behind apt-cacher-ng: first {first['wall_s']} s, hosts downloaded "
        f"{figures['downloaded_mib']} MiB, the cache fetched {figures['upstream_mib']} MiB"
    )
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--cached", type=int, default=8, help="class size behind the cache")
    args = parser.parse_args()
    client, testbed = docker.from_env(), bed.up()
    with tempfile.TemporaryDirectory(prefix="nslab-bench-") as tmp:
        classes = [one_class(client, testbed, size, Path(tmp)) for size in args.hosts]
        cached = cached_class(client, testbed, args.cached, Path(tmp))
    one = next((c for c in classes if c["hosts"] == 1), classes[0])
    for figures in classes:
        figures["first_to_one_host"] = round(figures["first"]["wall_s"] / one["first"]["wall_s"], 2)
    same_size = next((c for c in classes if c["hosts"] == args.cached), None)
    if same_size:
        wall, mib = same_size["first"]["wall_s"], same_size["downloaded_mib"]
        cached["first_to_uncached"] = round(cached["first"]["wall_s"] / wall, 2)
        cached["upstream_to_uncached"] = round(cached["upstream_mib"] / mib, 3)
    write_results(
        "class",
        {
            "target_hosts": "Debian 12 systemd containers on this machine (docker connection)",
            "classes": classes,
            "cached": cached,
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
