"""The experiment against the machine's real dockerd: end to end, the lsns oracle, every scenario,
cleanup after success, failure and SIGTERM, leftovers and concurrency, Debian's own python3."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import docker
import jsonschema
import pytest
from lsns_oracle import lsns

import lab.report
from lab.experiment import evidence
from lab.experiment.containers import LAB_LABEL, RUN_LABEL, Owner
from lab.experiment.run import ExperimentOptions, run_experiment

# The test bed builds the lab image (debian:12) from Debian's packages: no registry here.
pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("testbed")]

PROJECT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((Path(lab.report.__file__).parent / "report.schema.json").read_text())
BOOT_ID = Path("/proc/sys/kernel/random/boot_id").read_text().strip()


def nslab(*args: str, cwd: Path = PROJECT, **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lab", "experiment", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        **kwargs,
    )


def run_containers(client: docker.DockerClient, run_id: str) -> list:
    return client.containers.list(all=True, filters={"label": f"{RUN_LABEL}={run_id}"})


def test_all_scenarios_match_and_agree_with_lsns(docker_client, tmp_path: Path) -> None:
    """--keep leaves the containers up so util-linux lsns can be asked independently."""
    result = nslab("--scenario", "all", "--keep", "--output-dir", str(tmp_path), "--lang", "en")
    report = json.loads((tmp_path / "report.json").read_text())
    try:
        assert result.returncode == 0, result.stdout + result.stderr
        jsonschema.validate(report, SCHEMA)
        assert report["summary"] == {"matched": True, "mismatches": []}
        assert len(report["scenarios"]) == 10  # eight with Docker, two with unshare
        compared = 0
        for scenario in report["scenarios"]:
            assert all(e["passed"] for e in scenario["evidence"]) and scenario["evidence"]
            for container in scenario["containers"]:
                oracle = lsns(container["host_pid"])
                rows = {row["name"]: row for row in scenario["namespaces"]}
                for ns in oracle:
                    assert rows[ns["type"]]["refs"][container["role"]]["inode"] == ns["ns"]
                    compared += 1
        assert compared >= 10 * 2 * 8  # every scenario, both processes, every type lsns knows
        assert "docker rm -f" in result.stdout and "kill -KILL" in result.stdout
    finally:
        for container in run_containers(docker_client, report["run_id"]):
            container.remove(force=True)
        for scenario in report["scenarios"]:
            if scenario["launcher"] == "unshare":
                for process in scenario["containers"]:
                    os.kill(process["host_pid"], signal.SIGKILL)


def test_success_leaves_nothing_and_prints_the_matrix(docker_client, tmp_path: Path) -> None:
    result = nslab("--output-dir", str(tmp_path), "--format", "json", "--lang", "ja")
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    assert run_containers(docker_client, report["run_id"]) == []
    assert "time:[" in result.stdout and "一致" in result.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]
    # On this cgroup v1 host with Docker 20.10: cgroup, time and user are the host's.
    rows = {r["name"]: r for r in report["scenarios"][0]["namespaces"]}
    shared = {name for name, row in rows.items() if not row["observed"]["isolated"]}
    expected_shared = {"time", "time_for_children", "user"}
    if report["fingerprint"]["docker"]["cgroup_version"] == "1":
        expected_shared.add("cgroup")
    assert shared == expected_shared


@pytest.mark.parametrize(
    ("scenario", "failing"),
    [
        # container2 joins container1's network: its start is in flight on the worker thread
        # when container1's probe fails, and must still be cleaned up.
        ("net-container", "container1"),
        # Both containers run; the failure comes after container1's probe succeeded.
        ("baseline", "container2"),
    ],
)
def test_failure_mid_run_removes_the_containers(
    docker_client, monkeypatch, scenario: str, failing: str
) -> None:
    probed: list[str] = []

    def broken_probe(client, container_id, marker, make_ipc):
        probed.append(container_id)
        if make_ipc == (failing == "container1"):
            raise RuntimeError(f"forced failure probing {failing}")
        return {}

    monkeypatch.setattr(evidence, "probe", broken_probe)
    with pytest.raises(RuntimeError, match="forced failure"):
        run_experiment(ExperimentOptions(name_prefix="nslab-fail-", scenarios=[scenario]))
    assert len(probed) == (1 if failing == "container1" else 2)
    mine = [
        c
        for c in docker_client.containers.list(all=True, filters={"label": f"{LAB_LABEL}=1"})
        if c.labels.get("nslab.owner", "").startswith(f"{BOOT_ID}:{os.getpid()}:")
    ]
    assert mine == []


def test_sigterm_mid_run_removes_the_containers(docker_client, tmp_path: Path) -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "lab",
            "experiment",
            "--scenario",
            "all",
            "--output-dir",
            str(tmp_path),
        ],
        cwd=PROJECT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    owner_prefix = f"{BOOT_ID}:{process.pid}:"
    deadline, mine = time.monotonic() + 60, []
    while time.monotonic() < deadline and not mine:
        mine = [
            c
            for c in docker_client.containers.list(all=True, filters={"label": f"{LAB_LABEL}=1"})
            if c.labels.get("nslab.owner", "").startswith(owner_prefix)
        ]
        time.sleep(0.05)
    assert mine, "the experiment never started a container"
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 128 + signal.SIGTERM
    assert "interrupted by SIGTERM" in stderr and "Traceback" not in stderr
    run_id = mine[0].labels[RUN_LABEL]
    assert run_containers(docker_client, run_id) == []
    assert not (tmp_path / "report.json").exists()


def test_leftovers_of_dead_runs_go_live_and_kept_ones_stay(docker_client, tmp_path: Path) -> None:
    live = subprocess.Popen(["sleep", "120"])
    live_owner = Owner.of(live.pid, BOOT_ID)
    assert live_owner is not None
    owners = {
        "dead": Owner(BOOT_ID, 999_999_999, 1).label(),  # a PID that cannot exist
        "rebooted": Owner("another-boot", os.getpid(), 1).label(),
        "live": live_owner.label(),
        "kept": Owner(BOOT_ID, 999_999_998, 1).label(),
    }
    made = {}
    try:
        for kind, owner in owners.items():
            labels = {LAB_LABEL: "1", RUN_LABEL: f"fake-{kind}", "nslab.owner": owner}
            if kind == "kept":
                labels["nslab.keep"] = "1"
            made[kind] = docker_client.containers.create(
                "debian:12",
                ["sleep", "infinity"],
                labels=labels,
                name=f"nslab-leftover-{kind}-{os.getpid()}",
            )
        assert nslab("--output-dir", str(tmp_path), "--format", "json").returncode == 0
        remaining = {c.id for c in docker_client.containers.list(all=True)}
        assert made["dead"].id not in remaining and made["rebooted"].id not in remaining
        assert made["live"].id in remaining and made["kept"].id in remaining
    finally:
        live.kill()
        live.wait()
        for container in made.values():
            with contextlib.suppress(docker.errors.NotFound):
                container.remove(force=True)


def test_two_concurrent_runs_do_not_collide(docker_client, tmp_path: Path) -> None:
    runs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "lab",
                "experiment",
                "--output-dir",
                str(tmp_path / str(n)),
                "--format",
                "json",
            ],
            cwd=PROJECT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(2)
    ]
    outputs = [r.communicate(timeout=120) for r in runs]
    assert [r.returncode for r in runs] == [0, 0], outputs
    reports = [json.loads((tmp_path / str(n) / "report.json").read_text()) for n in range(2)]
    names = [c["name"] for r in reports for c in r["scenarios"][0]["containers"]]
    assert len(set(names)) == 4
    for report in reports:
        assert run_containers(docker_client, report["run_id"]) == []


def test_debian_python3_and_python3_docker(tmp_path: Path) -> None:
    """As the role runs it: the package copied to the host, Debian's interpreter, no venv."""
    shutil.copytree(PROJECT / "lab", tmp_path / "lab", ignore=shutil.ignore_patterns("__pycache__"))
    result = subprocess.run(
        [
            "/usr/bin/python3",
            "-s",
            "-E",
            "-m",
            "lab",
            "experiment",
            "--output-dir",
            str(tmp_path / "out"),
            "--scenario",
            "ipc-container",
            "--scenario",
            "baseline",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads((tmp_path / "out/report.json").read_text())
    assert report["runtime"]["python"] == "3.11.2"
    assert report["runtime"]["docker_sdk"].startswith("5.0.")
    assert [s["name"] for s in report["scenarios"]] == ["baseline", "ipc-container"]
    assert report["summary"]["matched"]


def test_image_from_a_docker_save_archive_and_a_rootfs_archive(
    docker_client, tmp_path: Path
) -> None:
    tag = f"nslab-exptest/debian:{os.getpid()}"
    docker_client.images.get("debian:12").tag(tag)
    saved, rootfs = tmp_path / "saved.tar", tmp_path / "rootfs.tar"
    subprocess.run(["docker", "save", "-o", str(saved), tag], check=True)
    exporter = docker_client.containers.create("debian:12", ["true"], labels={LAB_LABEL: "test"})
    try:
        with rootfs.open("wb") as out:
            for chunk in exporter.export():
                out.write(chunk)
    finally:
        exporter.remove(force=True)
    docker_client.images.remove(tag)
    imported = f"nslab-exptest/rootfs:{os.getpid()}"
    try:
        for image, archive in ((tag, saved), (imported, rootfs)):
            result = nslab(
                "--image",
                image,
                "--image-archive",
                str(archive),
                "--output-dir",
                str(tmp_path / "out"),
                "--format",
                "json",
            )
            assert result.returncode == 0, result.stdout + result.stderr
            docker_client.images.get(image)
    finally:
        for image in (tag, imported):
            with contextlib.suppress(docker.errors.ImageNotFound):
                docker_client.images.remove(image)


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--image", "nslab-absent/image:none"], {}, "is not on this host"),
        ([], {"DOCKER_HOST": "unix:///nonexistent/docker.sock"}, "cannot reach the Docker engine"),
    ],
)
def test_environment_errors_exit_2_with_advice(tmp_path: Path, args, env, message) -> None:
    result = nslab(*args, "--output-dir", str(tmp_path), env={**os.environ, **env})
    assert result.returncode == 2
    assert result.stderr.startswith("nslab: ") and message in result.stderr
    assert "Traceback" not in result.stderr


def test_not_root_exits_2(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            "setpriv",
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            sys.executable,
            "-m",
            "lab",
            "experiment",
            "--output-dir",
            str(tmp_path),
        ],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert "run as root" in result.stderr
