"""Namespaces without Docker, for real: `python3 -m lab experiment --scenario unshare` on this
machine, checked against util-linux lsns, and no process left behind after success, an error,
SIGINT, SIGTERM or even SIGKILL of the experiment. Debian's own python3 runs it too."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import jsonschema
import pytest
from lsns_oracle import lsns

import lab.report
from lab.experiment import unshare
from lab.experiment.run import ExperimentOptions, run_experiment

# Docker runs the baseline the unshare result is compared with; the test bed has its image.
pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("testbed")]

PROJECT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((Path(lab.report.__file__).parent / "report.schema.json").read_text())
BOOT_ID = Path("/proc/sys/kernel/random/boot_id").read_text().strip()


def experiment(*args: str, **kwargs) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "lab", "experiment", *args],
        cwd=PROJECT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def processes_with(variable: str, prefix: str) -> list[int]:
    """PIDs whose environment has variable=<prefix...>: how this run's processes are marked."""
    wanted = f"{variable}={prefix}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue  # gone meanwhile, or a kernel thread
        if any(item.startswith(wanted) for item in environ):
            found.append(int(entry.name))
    return found


def owned_by(pid: int) -> list[int]:
    return processes_with(unshare.OWNER_ENV, f"{BOOT_ID}:{pid}:")


def wait_until_gone(pids: list[int], seconds: float = 10.0) -> list[int]:
    deadline = time.monotonic() + seconds
    alive = pids
    while alive and time.monotonic() < deadline:
        alive = [pid for pid in alive if Path(f"/proc/{pid}").exists() and not _zombie(pid)]
        time.sleep(0.05)
    return alive


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] == "Z"
    except OSError:
        return True


def test_unshare_agrees_with_lsns_and_ties_back_to_docker(docker_client, tmp_path: Path) -> None:
    """--keep leaves the processes running, so lsns can be asked about them independently."""
    run = experiment(
        "--scenario", "unshare", "--scenario", "unshare-user", "--scenario", "baseline",
        "--keep", "--output-dir", str(tmp_path), "--lang", "en",
    )  # fmt: skip
    stdout, stderr = run.communicate(timeout=300)
    report = json.loads((tmp_path / "report.json").read_text())
    kept = [
        c["host_pid"] for s in report["scenarios"] if s["launcher"] == "unshare"
        for c in s["containers"]
    ]  # fmt: skip
    try:
        assert run.returncode == 0, stdout + stderr
        jsonschema.validate(report, SCHEMA)
        assert report["summary"] == {"matched": True, "mismatches": []}
        scenarios = {s["name"]: s for s in report["scenarios"]}
        assert list(scenarios) == ["baseline", "unshare", "unshare-user"]
        compared = 0
        for name in ("unshare", "unshare-user"):
            scenario = scenarios[name]
            assert scenario["docker_comparison"]["source"] == "observed"
            assert scenario["evidence"] and all(e["passed"] for e in scenario["evidence"])
            rows = {row["name"]: row for row in scenario["namespaces"]}
            for process in scenario["containers"]:
                assert process["pid_inside"] == 1
                for ns in lsns(process["host_pid"]):
                    assert rows[ns["type"]]["refs"][process["role"]]["inode"] == ns["ns"]
                    compared += 1
            separated = {n for n, row in rows.items() if row["observed"]["isolated"]}
            expected = {"ipc", "mnt", "net", "pid", "pid_for_children", "uts"}
            assert separated == (expected | {"user"} if name == "unshare-user" else expected)
        assert compared >= 2 * 2 * 8  # both scenarios, both processes, every type lsns lists
        # What Docker's containers got in this very run is what unshare asked for (cgroup v1 here).
        docker = scenarios["unshare"]["docker_comparison"]
        baseline_rows = scenarios["baseline"]["namespaces"]
        assert docker["isolated"] == sorted(
            r["name"]
            for r in baseline_rows
            if r["observed"]["isolated"] and "_for_" not in r["name"]
        )
        page = (tmp_path / "report.md").read_text()
        assert "Docker asks the kernel for the same namespaces" in page
        assert f"kill -KILL {' '.join(map(str, kept))}" in stdout
    finally:
        for pid in kept:
            os.kill(pid, signal.SIGKILL)
        # The baseline's containers were kept too.
        run_label = {"label": f"nslab.run={report['run_id']}"}
        for container in docker_client.containers.list(all=True, filters=run_label):
            container.remove(force=True)
    assert wait_until_gone(processes_with(unshare.RUN_ENV, report["run_id"])) == []


def test_success_leaves_no_process(tmp_path: Path) -> None:
    run = experiment("--scenario", "unshare", "--output-dir", str(tmp_path), "--format", "json")
    stdout, stderr = run.communicate(timeout=300)
    assert run.returncode == 0, stdout + stderr
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["scenarios"][0]["docker_comparison"]["source"] == "predicted"
    assert processes_with(unshare.RUN_ENV, report["run_id"]) == []


def test_an_error_mid_run_leaves_no_process(monkeypatch) -> None:
    probed: list[int] = []

    def failing_probe(pid: int, marker: str, make_ipc: bool) -> dict[str, str]:
        probed.append(pid)
        raise RuntimeError("forced failure probing the first process")

    monkeypatch.setattr(unshare, "probe", failing_probe)
    with pytest.raises(RuntimeError, match="forced failure"):
        run_experiment(ExperimentOptions(scenarios=["unshare"]))
    assert len(probed) == 1
    assert owned_by(os.getpid()) == []


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_a_signal_mid_run_leaves_no_process(tmp_path: Path, signum: int) -> None:
    """SIGINT/SIGTERM: the experiment stops them itself. SIGKILL: no code of ours runs, the kernel
    ends unshare (parent-death signal) and unshare its child (--kill-child)."""
    run = experiment(
        "--scenario", "unshare", "--scenario", "unshare-user", "--output-dir", str(tmp_path),
    )  # fmt: skip
    deadline, mine = time.monotonic() + 60, []
    while time.monotonic() < deadline and len(mine) < 2:  # unshare and its child, at least
        mine = owned_by(run.pid)
        time.sleep(0.005)
    assert mine, "the experiment never started a process"
    run.send_signal(signum)
    _, stderr = run.communicate(timeout=60)
    assert run.returncode in (128 + signum, -signum), stderr
    if signum != signal.SIGKILL:
        assert f"interrupted by {signal.Signals(signum).name}" in stderr
        assert "Traceback" not in stderr
    assert wait_until_gone(owned_by(run.pid)) == []
    assert not (tmp_path / "report.json").exists()


def test_debian_python3_runs_the_unshare_scenario(tmp_path: Path) -> None:
    """As the role runs it: the package copied to the host, Debian's interpreter, no venv."""
    shutil.copytree(PROJECT / "lab", tmp_path / "lab", ignore=shutil.ignore_patterns("__pycache__"))
    result = subprocess.run(
        [
            "/usr/bin/python3", "-s", "-E", "-m", "lab", "experiment", "--keep",
            "--output-dir", str(tmp_path / "out"), "--scenario", "unshare-user", "--lang", "ja",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"},
    )  # fmt: skip
    report = json.loads((tmp_path / "out/report.json").read_text())
    [scenario] = report["scenarios"]
    try:
        assert result.returncode == 0, result.stdout + result.stderr
        assert report["runtime"]["python"] == "3.11.2"
        assert report["summary"]["matched"]
        rows = {row["name"]: row for row in scenario["namespaces"]}
        for process in scenario["containers"]:
            oracle = lsns(process["host_pid"])
            assert {ns["type"] for ns in oracle} >= {"ipc", "mnt", "net", "pid", "user", "uts"}
            for ns in oracle:
                assert rows[ns["type"]]["refs"][process["role"]]["inode"] == ns["ns"]
        page = (tmp_path / "out/report.md").read_text()
        assert "Dockerもカーネルに同じ名前空間を頼んでいます" in page
    finally:
        for process in scenario["containers"]:
            os.kill(process["host_pid"], signal.SIGKILL)
    assert wait_until_gone(processes_with(unshare.RUN_ENV, report["run_id"])) == []
