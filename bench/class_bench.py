"""A class provisioned at once: `nslab provision` of playbooks/lab.yml on N fresh hosts.

    .venv/bin/python bench/class_bench.py                    # a class of 30 (what bench/run runs)
    .venv/bin/python bench/class_bench.py --hosts 1 2 --no-apt-cache --cached 2   # a quick look

For each class size: wall time of the first run and of the idempotent re-run (figures 2 and 3
of docs/benchmarks.md), each host's own time and changed count, where the time went (apt, the
lab image, the experiment, the rest: Ansible's per-task round trips), the bytes the hosts
downloaded, and what the controller paid, in all and per host (CPU seconds and peak memory of
nslab and everything it started, the bytes it exchanged with the hosts over SSH; figure 5).
Hosts are reached over SSH by default (`--transport docker`: with `docker exec`, no bytes).
Every class sits behind one shared apt-cacher-ng unless `--no-apt-cache` (a class of 30 would
otherwise fetch ~4 GB from Debian's mirror); `--cached N` runs a class of N once more behind an
empty one, to compare the bytes fetched from upstream with a class of N without it (0: skip).
Hosts are Debian 12 systemd containers on this machine (see bench/lab_hosts.py): they share its
2 CPUs, which a class of real VMs would not. Each host holds ~0.9 GB under /var/lib/docker
(the packages it installed, its engine's image store) while the class runs: ~27 GB for 30.
Writes bench/results/class.json (the previous file's figures kept as `previous`).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from contextlib import nullcontext
from dataclasses import replace
from pathlib import Path

import docker
from docker.models.containers import Container
from lab_hosts import (
    Measured,
    SshAccess,
    SshByteCounter,
    SshMasters,
    fresh_hosts,
    measure,
    received_bytes_total,
    write_inventory,
)
from measure import PROJECT, RESULTS, write_results
from run_events import RunTimes, read_run

from lab.debian import images
from lab.debian.cache import cache_dir, locked
from lab.debian.rootfs import debian_mirror
from lab.provision.runs import RunsDir
from lab.testing import Testbed, bed, recipes
from lab.testing.aptcache import AptCache, start_apt_cache

# The project parts a run needs; runs/ and reports/ then land in the scratch project.
PROJECT_PARTS = ("ansible.cfg", "playbooks", "roles")
MIB = 2**20


def scratch_project(directory: Path) -> Path:
    directory.mkdir()
    for part in PROJECT_PARTS:
        (directory / part).symlink_to(PROJECT / part)
    return directory


def provision(
    project: Path, inventory: Path, masters: SshMasters | None = None
) -> tuple[Measured, RunTimes]:
    command = [sys.executable, "-m", "lab", "provision", "--project", str(project)]
    measured = measure(
        [*command, "-i", str(inventory), "--playbook", "lab.yml"],
        cwd=PROJECT,
        env=masters.env() if masters else None,
        detached=masters.pids if masters else None,
    )
    if masters:
        measured = replace(measured, cpu_seconds=measured.cpu_seconds + masters.stop())
    if measured.returncode != 0:
        sys.exit(f"nslab provision failed ({measured.returncode}):\n{measured.output}")
    last_run = RunsDir(project / "runs").runs()[-1].path
    return measured, read_run(last_run)


def run_figures(
    measured: Measured, times: RunTimes, size: int, ssh_bytes: dict[str, dict[str, int]] | None
) -> dict[str, object]:
    figures: dict[str, object] = {
        "wall_s": round(measured.seconds, 1),
        "host_s_median": statistics.median(times.host_seconds.values()),
        "host_s": times.host_seconds,
        "changed": times.changed,
        "phases_wall_s": times.phases,
        "controller_cpu_s": round(measured.cpu_seconds, 1),
        "controller_cpu_per_host_s": round(measured.cpu_seconds / size, 2),
        "controller_peak_pss_mib": round(measured.peak_pss_mib, 1),
        "controller_peak_pss_per_host_mib": round(measured.peak_pss_mib / size, 1),
        "machine_busy": round(measured.machine_busy, 2),
        "load_average": [round(load, 2) for load in os.getloadavg()],
    }
    if ssh_bytes is not None:
        per_host = [sum(directions.values()) for directions in ssh_bytes.values()]
        figures["ssh_bytes"] = ssh_bytes
        figures["ssh_mib_per_host"] = round(statistics.median(per_host) / MIB, 2)
        figures["ssh_sent_mib_total"] = round(
            sum(d.get("sent", 0) for d in ssh_bytes.values()) / MIB, 1
        )
    return figures


def _difference(
    after: dict[str, dict[str, int]], before: dict[str, dict[str, int]]
) -> dict[str, dict[str, int]]:
    return {
        host: {key: value - before[host].get(key, 0) for key, value in counts.items()}
        for host, counts in after.items()
    }


def ssh_host_image(client: docker.DockerClient) -> str:
    cache = cache_dir()
    with locked(cache):
        return images.ensure_image(client, recipes.ssh_host_recipe(debian_mirror()), cache)


def one_class(
    client: docker.DockerClient,
    testbed: Testbed,
    size: int,
    workdir: Path,
    ssh: SshAccess | None,
    cache: AptCache | None,
) -> dict[str, object]:
    project = scratch_project(workdir / f"class-{size}")
    image = ssh_host_image(client) if ssh else None
    with fresh_hosts(client, testbed, size, f"class{size}", image) as hosts:
        variables: dict[str, object] = dict(testbed.role_variables())
        if cache:
            variables["docker_engine_apt_proxy"] = cache.url
        for host in hosts:
            if ssh:
                ssh.authorize(host)
        inventory = write_inventory(workdir / f"class-{size}.json", hosts, variables, ssh)
        counter = SshByteCounter(_addresses(hosts, ssh)) if ssh else None
        with counter or nullcontext():
            start = counter.read() if counter else None
            measured, times = provision(project, inventory, _masters(ssh, workdir, size, "first"))
            middle = counter.read() if counter else None
            first = run_figures(measured, times, size, _bytes(middle, start))
            downloaded = received_bytes_total(hosts)
            measured, times = provision(project, inventory, _masters(ssh, workdir, size, "rerun"))
            end = counter.read() if counter else None
            rerun = run_figures(measured, times, size, _bytes(end, middle))
    rerun_ratios = {
        host: round(seconds / first["host_s"][host], 2) for host, seconds in rerun["host_s"].items()
    }
    figures = {
        "hosts": size,
        "transport": "ssh" if ssh else "docker",
        "apt_cache": bool(cache),
        "first": first,
        "rerun": rerun,
        "rerun_to_first": round(rerun["wall_s"] / first["wall_s"], 2),
        "rerun_to_first_per_host": rerun_ratios,
        "downloaded_mib": round(downloaded / MIB, 1),
    }
    for name, run in (("first", first), ("re-run", rerun)):
        print(
            f"{size} host(s), {name}: {run['wall_s']} s, changed "
            f"{sorted(set(run['changed'].values()))}; controller per host "
            f"{run['controller_cpu_per_host_s']} CPU s, "
            f"{run['controller_peak_pss_per_host_mib']} MiB peak PSS "
            f"({run['controller_cpu_s']} s / {run['controller_peak_pss_mib']} MiB in all), "
            f"{run.get('ssh_mib_per_host', '-')} MiB over SSH per host; "
            f"load average {run['load_average']}"
        )
    print(f"{size} host(s) downloaded {figures['downloaded_mib']} MiB")
    return figures


def _masters(ssh: SshAccess | None, workdir: Path, size: int, run: str) -> SshMasters | None:
    # Short: a control socket's path must fit in 108 bytes.
    return SshMasters(workdir / f"cp{size}{run[0]}") if ssh else None


def _addresses(hosts: list[Container], ssh: SshAccess | None) -> dict[str, str]:
    assert ssh
    return {f"s{n:02d}": ssh.address(host) for n, host in enumerate(hosts, start=1)}


def _bytes(
    after: dict[str, dict[str, int]] | None, before: dict[str, dict[str, int]] | None
) -> dict[str, dict[str, int]] | None:
    return _difference(after, before) if after is not None and before is not None else None


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
            first = run_figures(*provision(project, inventory), size, None)
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
    parser.add_argument("--hosts", type=int, nargs="+", default=[30])
    parser.add_argument(
        "--cached", type=int, default=0, help="class size behind an empty cache (0: none)"
    )
    parser.add_argument("--transport", choices=("ssh", "docker"), default="ssh")
    parser.add_argument(
        "--apt-cache",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="every class behind one shared apt-cacher-ng",
    )
    args = parser.parse_args()
    previous_path = RESULTS / "class.json"
    previous = json.loads(previous_path.read_text()) if previous_path.exists() else None
    client, testbed = docker.from_env(), bed.up()
    with tempfile.TemporaryDirectory(prefix="nslab-bench-") as tmp:
        ssh = SshAccess.create(Path(tmp), testbed.network) if args.transport == "ssh" else None
        cache = (
            start_apt_cache(client, testbed.network, f"nslab-bench-apt-cache-{os.getpid()}")
            if args.apt_cache
            else None
        )
        try:
            classes = [
                one_class(client, testbed, size, Path(tmp), ssh, cache) for size in args.hosts
            ]
        finally:
            if cache:
                cache.remove()
        cached = cached_class(client, testbed, args.cached, Path(tmp)) if args.cached else None
    one = next((c for c in classes if c["hosts"] == 1), classes[0])
    for figures in classes:
        figures["first_to_one_host"] = round(figures["first"]["wall_s"] / one["first"]["wall_s"], 2)
    same_size = next((c for c in classes if c["hosts"] == args.cached), None)
    if same_size and cached:
        wall, mib = same_size["first"]["wall_s"], same_size["downloaded_mib"]
        cached["first_to_uncached"] = round(cached["first"]["wall_s"] / wall, 2)
        cached["upstream_to_uncached"] = round(cached["upstream_mib"] / mib, 3)
    write_results(
        "class",
        {
            "target_hosts": "Debian 12 systemd containers on this machine "
            + ("(over SSH)" if ssh else "(docker connection)"),
            "classes": classes,
            "cached": cached,
            "previous": _previous(previous),
        },
    )
    return 0


def _previous(results: dict | None) -> dict | None:
    """The last run's class figures, for docs/benchmarks.md's comparison (one level deep)."""
    if results is None:
        return None
    return {
        "machine": results["machine"],
        "target_hosts": results.get("target_hosts"),
        "classes": results["classes"],
    }


if __name__ == "__main__":
    sys.exit(main())
