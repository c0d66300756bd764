"""playbooks/lab.yml on a class where nothing goes right: one host fails in the docker_engine
role (its key does not match), one cannot be reached at all, one runs a release nslab does not
support. None stops the run; each ends up in the class summary with its reason, and the run
exits non-zero."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest
from docker.models.containers import Container

from lab.testing import Testbed
from lab.testing.hosts import remove_host, start_host

pytestmark = pytest.mark.integration

PROJECT_DIR = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
BROKEN = "nslab-class-broken"
ABSENT = "nslab-class-absent"  # no such container: the docker connection cannot reach it
FOREIGN = "nslab-class-foreign"  # says it is Ubuntu: preflight refuses it before any change
UBUNTU = 'NAME="Ubuntu"\nID=ubuntu\nVERSION_ID="24.04"\nVERSION_CODENAME=noble\n'

FailedRun = tuple[subprocess.CompletedProcess[str], Path]  # the run, and its reports directory


@pytest.fixture(scope="module")
def broken_host(docker_client: docker.DockerClient, testbed: Testbed) -> Iterator[Container]:
    host = start_host(docker_client, testbed.host_image, BROKEN, testbed.network, "class-failures")
    yield host
    remove_host(host)


@pytest.fixture(scope="module")
def foreign_host(docker_client: docker.DockerClient, testbed: Testbed) -> Iterator[Container]:
    host = start_host(docker_client, testbed.host_image, FOREIGN, testbed.network, "class-failures")
    # A throwaway container: its release file is rewritten, not restored.
    host.exec_run(["sh", "-c", f"rm /etc/os-release && printf '{UBUNTU}' > /etc/os-release"])
    yield host
    remove_host(host)


@pytest.fixture(scope="module")
def failed_run(
    broken_host: Container,
    foreign_host: Container,
    testbed: Testbed,
    tmp_path_factory: pytest.TempPathFactory,
) -> FailedRun:
    workdir = tmp_path_factory.mktemp("class-failures")
    connection = {"ansible_connection": "community.docker.docker", "ansible_user": "root"}
    inventory = {
        "lab_vms": {
            "hosts": {
                BROKEN: {**connection, "student_id": "s101"},
                ABSENT: {**connection, "student_id": "s102"},
                FOREIGN: {**connection, "student_id": "s103"},
            },
            "vars": {
                "docker_engine_mirror": testbed.standin_base_url,
                # Not the stand-in's key: the role must refuse it before trusting the repository.
                "docker_engine_key_fingerprint": "0" * 40,
                "docker_engine_key_checksum": "",
            },
        }
    }
    (workdir / "inventory.json").write_text(json.dumps(inventory))
    reports = workdir / "reports"
    result = subprocess.run(
        [
            str(VENV_BIN / "ansible-playbook"),
            "-i",
            str(workdir / "inventory.json"),
            "-e",
            f"namespace_lab_reports_dir={reports}",
            "playbooks/lab.yml",
        ],
        cwd=PROJECT_DIR,
        env={**os.environ, "PATH": f"{VENV_BIN}:{os.environ['PATH']}", "ANSIBLE_NOCOLOR": "1"},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    return result, reports


def test_run_exits_non_zero_and_names_every_host(failed_run: FailedRun) -> None:
    result, _ = failed_run
    output = " ".join((result.stdout + result.stderr).split())
    assert result.returncode != 0, output
    assert f"{BROKEN} did not finish" in output
    assert f"{ABSENT} did not finish" in output
    assert f"{FOREIGN} did not finish" in output


def test_summary_lists_failed_and_unreachable_hosts_with_reasons(
    failed_run: FailedRun, broken_host: Container
) -> None:
    _, reports = failed_run
    summary = json.loads((reports / "summary.json").read_text())
    by_host = {host["host"]: host for host in summary["hosts"]}

    assert set(by_host) == {BROKEN, ABSENT, FOREIGN}
    assert by_host[BROKEN]["status"] == "failed"
    assert by_host[BROKEN]["student_id"] == "s101"
    assert "fingerprint" in by_host[BROKEN]["reason"].lower()
    # The release preflight read in its reach step (no setup module), as Ansible's facts give it.
    point_release = broken_host.exec_run(["cat", "/etc/debian_version"]).output.decode().strip()
    assert by_host[BROKEN]["os_release"] == f"Debian {point_release} (bookworm)"
    assert by_host[ABSENT]["os_release"] is None
    assert by_host[FOREIGN]["status"] == "failed"
    assert by_host[FOREIGN]["os_release"] == "Ubuntu 24.04 (noble)"
    assert "runs Ubuntu 24.04 (noble); nslab supports Debian 12 (bookworm)" in " ".join(
        by_host[FOREIGN]["reason"].split()
    )
    assert by_host[ABSENT]["status"] == "unreachable"
    assert by_host[ABSENT]["student_id"] == "s102"
    # The engine's own words, not a module's unreadable output.
    assert f"No such container: {ABSENT}" in by_host[ABSENT]["reason"]
    assert all(host["verdict"] == "no report" for host in summary["hosts"])

    page = (reports / "index.html").read_text()
    assert by_host[ABSENT]["reason"].split(":")[0] in page
    assert all(f'data-host="{host}"' in page for host in (BROKEN, ABSENT, FOREIGN))
