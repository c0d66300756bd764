"""The experiment on a Debian 13 host as a student meets it: Docker 26 from the course note's
steps, Debian 13's python3 and python3-docker 7.1 from apt (no pip).

This machine's kernel refuses per-interface IPv6 settings in nested network namespaces, so Docker
26 refuses every container here until DOCKER_ALLOW_IPV6_ON_IPV4_INTERFACE=1 is in its service
environment, as on a real host with IPv6 turned off. The refusal must reach the student as one
line with Docker's reason and the fix (exit 2); with the fix in place the run matches.
"""

from __future__ import annotations

import io
import json
import os
import tarfile
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest
from docker.models.containers import Container

from lab.debian.releases import TRIXIE
from lab.testing import Testbed
from lab.testing.course_note_steps import course_note_script
from lab.testing.hosts import running_host

pytestmark = pytest.mark.integration

PROJECT = Path(__file__).resolve().parents[2]
EXPERIMENT = (
    "cd /opt && python3 -m lab experiment --image debian:13 --output-dir /root/out --lang en"
)
DROP_IN = "/etc/systemd/system/docker.service.d/allow-ipv6-off.conf"


def sh(host: Container, script: str) -> tuple[int, str]:
    result = host.exec_run(["sh", "-c", script], environment={"LC_ALL": "C.UTF-8"}, demux=True)
    stdout, stderr = (part.decode(errors="replace") if part else "" for part in result.output)
    return result.exit_code, stdout + stderr


def ok(host: Container, script: str) -> str:
    code, output = sh(host, script)
    assert code == 0, output
    return output


def lab_package() -> bytes:
    """The `lab` package as a tar stream, as the namespace_lab role ships it (no caches)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        tar.add(
            PROJECT / "lab",
            arcname="lab",
            filter=lambda info: None if "__pycache__" in info.name else info,
        )
    return buffer.getvalue()


@pytest.fixture(scope="module")
def host(docker_client: docker.DockerClient, testbed: Testbed) -> Iterator[Container]:
    name = f"nslab-test-experiment-debian13-{os.getpid()}"
    images = testbed.images(TRIXIE)
    with running_host(docker_client, images.host_image, name, testbed.network, "debian13") as c:
        ok(c, course_note_script(testbed.standin_base_url, install=True))
        ok(c, "apt-get install -y python3-docker")
        c.put_archive("/opt", lab_package())
        with open(images.lab_image_archive, "rb") as archive:
            c.put_archive("/root", _single_file_tar("lab-image.tar", archive.read()))
        ok(c, "docker load --input /root/lab-image.tar")
        yield c


def _single_file_tar(name: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def test_host_runs_debian_13_with_docker_26(host: Container) -> None:
    assert ok(host, ". /etc/os-release && echo $VERSION_ID") == "13\n"
    assert ok(host, "docker version --format '{{.Server.Version}}'").startswith("26.1.")
    assert ok(host, "python3 -c 'import docker; print(docker.__version__)'").startswith("7.1.")


def test_a_refusing_engine_gives_one_line_and_exit_2(host: Container) -> None:
    code, output = sh(host, EXPERIMENT)
    assert code == 2, output
    lines = output.strip().splitlines()
    assert len(lines) == 1, output
    assert "Traceback" not in output
    assert lines[0].startswith("nslab: Docker refused to start container")
    assert "failed to disable IPv6 on container's interface eth0" in lines[0]
    assert "docker_engine_service_environment" in lines[0]
    # The refused run removed what it created.
    assert ok(host, "docker ps --all --quiet --filter label=nslab.lab=1") == ""


def test_with_the_engines_setting_the_run_matches_and_expects_docker_26(host: Container) -> None:
    ok(
        host,
        f"mkdir -p {Path(DROP_IN).parent} && printf '[Service]\\n"
        f"Environment=DOCKER_ALLOW_IPV6_ON_IPV4_INTERFACE=1\\n' > {DROP_IN} && "
        "systemctl daemon-reload && systemctl restart docker",
    )
    code, output = sh(host, EXPERIMENT)
    assert code == 0, output
    report = json.loads(ok(host, "cat /root/out/report.json"))
    assert report["runtime"]["docker_sdk"].startswith("7.1.")
    assert report["fingerprint"]["docker"]["server_version"].startswith("26.1.")
    rows = {row["name"]: row for row in report["scenarios"][0]["namespaces"]}
    # Engine 26 predates private time namespaces (29.5): both containers share the host's.
    time_row = rows["time"]
    assert time_row["match"] and time_row["observed"]["container1_shares_host"]
    assert [reason["code"] for reason in time_row["expected"]["reasons"]] == ["time.engine_old"]
    assert report["summary"] == {"matched": True, "mismatches": []}
