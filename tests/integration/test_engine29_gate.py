"""Today's docker-ce refuses Engine API versions below 1.44 (Engine 29). Everything that talks to a
host's engine must negotiate, never pin: proven through a test double of that gate in front of the
real dockerd (lab/testing/engine_gate.py)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import docker
import docker.errors
import pytest

from lab.testing.engine_gate import GateAddress, engine29_gate, too_old_message

pytestmark = pytest.mark.integration

PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture
def gate(docker_client, tmp_path: Path) -> Iterator[GateAddress]:
    with engine29_gate(tmp_path / "engine29.sock") as address:
        yield address


def test_a_pinned_old_api_version_is_refused_with_dockers_message(gate: GateAddress) -> None:
    pinned = docker.APIClient(base_url=gate.docker_host, version="1.41")
    with pytest.raises(docker.errors.APIError) as refused:
        pinned.containers(all=True)
    assert refused.value.status_code == 400
    assert too_old_message("1.41") in str(refused.value)


def test_the_sdk_negotiates_and_runs_a_container(gate: GateAddress, testbed) -> None:
    client = docker.DockerClient(base_url=gate.docker_host, version="auto")
    assert client.api.api_version == "1.52"
    assert client.version()["MinAPIVersion"] == "1.44"
    output = client.containers.run(
        testbed.lab_image, ["echo", "through the gate"], remove=True, labels={"nslab.test": "gate"}
    )
    assert output == b"through the gate\n"


def _experiment(python: list[str], gate: GateAddress, out: Path, cwd: Path) -> dict:
    result = subprocess.run(
        [*python, "-m", "lab", "experiment", "--output-dir", str(out)],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        env={
            "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
            "LANG": "C.UTF-8",
            "DOCKER_HOST": gate.docker_host,
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads((out / "report.json").read_text())


def test_experiment_with_debian_python3_docker_through_the_gate(
    gate: GateAddress, testbed, tmp_path: Path
) -> None:
    shutil.copytree(PROJECT / "lab", tmp_path / "lab", ignore=shutil.ignore_patterns("__pycache__"))
    report = _experiment(["/usr/bin/python3", "-s", "-E"], gate, tmp_path / "out", tmp_path)
    assert report["runtime"]["docker_sdk"].startswith("5.0.")
    assert report["fingerprint"]["docker"]["server_version"] == "29.0.0"
    assert report["summary"]["matched"]


def test_experiment_with_the_controller_sdk_through_the_gate(
    gate: GateAddress, testbed, tmp_path: Path
) -> None:
    report = _experiment([sys.executable], gate, tmp_path / "out", PROJECT)
    assert report["runtime"]["docker_sdk"].startswith("7.")
    assert report["fingerprint"]["docker"]["api_version"] == "1.52"
    assert report["summary"]["matched"]
