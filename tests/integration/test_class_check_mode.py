"""`ansible-playbook playbooks/lab.yml --check --diff` on a fresh Debian 12 host: it says what it
would do (Docker, the experiment's packages, the lab package) and changes nothing."""

from __future__ import annotations

import json
import os
import re
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
HOST = "nslab-class-check"


@pytest.fixture
def fresh_host(docker_client: docker.DockerClient, testbed: Testbed) -> Iterator[Container]:
    host = start_host(docker_client, testbed.host_image, HOST, testbed.network, "class-check")
    yield host
    remove_host(host)


def host_state(host: Container) -> str:
    script = (
        "ls -d /opt/nslab /var/lib/nslab /etc/apt/sources.list.d/docker.list 2>&1; "
        "dpkg-query --show --showformat='${Package} ${db:Status-Abbrev}\\n' "
        "python3-docker docker-ce 2>&1; command -v docker || echo no docker"
    )
    return host.exec_run(["sh", "-c", script]).output.decode()


def test_check_mode_on_a_fresh_host_reports_and_changes_nothing(
    fresh_host: Container, testbed: Testbed, tmp_path: Path
) -> None:
    before = host_state(fresh_host)
    inventory = {
        "lab_vms": {
            "hosts": {
                HOST: {
                    "ansible_connection": "community.docker.docker",
                    "ansible_user": "root",
                    "student_id": "s201",
                }
            },
            "vars": testbed.role_variables(),
        }
    }
    (tmp_path / "inventory.json").write_text(json.dumps(inventory))
    result = subprocess.run(
        [
            str(VENV_BIN / "ansible-playbook"),
            "-i",
            str(tmp_path / "inventory.json"),
            "-e",
            f"namespace_lab_reports_dir={tmp_path / 'reports'}",
            "--check",
            "--diff",
            "playbooks/lab.yml",
        ],
        cwd=PROJECT_DIR,
        env={**os.environ, "PATH": f"{VENV_BIN}:{os.environ['PATH']}", "ANSIBLE_NOCOLOR": "1"},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    output = " ".join((result.stdout + result.stderr).split())

    assert result.returncode == 0, output
    assert re.search(r"Would install: [\w.,\- ]*python3-docker", output), output
    assert re.search(r"Would install: [\w.,\- ]*docker-ce", output), output
    assert "cannot access '/opt/nslab'" in before
    assert host_state(fresh_host) == before
