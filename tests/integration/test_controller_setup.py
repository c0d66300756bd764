"""`./nslab` on an instructor's machine that already has Docker: it must leave that Docker alone.

The machine is a Debian 12 test host whose Docker Engine was installed with the course note's
steps (docker-ce, containerd.io ... from the stand-in). This checkout is copied into it at the
same path, with this machine's venv (and the Python it was made from) mounted read-only, so
`./nslab` runs there exactly as typed, with no network needed for pip.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest
from docker.models.containers import Container

from lab.testing import Testbed
from lab.testing.course_note_steps import course_note_script
from lab.testing.hosts import HOST_LABEL, host_run_options, remove_host, wait_until_booted

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
NOT_COPIED = shutil.ignore_patterns(".venv", ".git", "runs", "reports", "__pycache__", ".*_cache")


def sh(host: Container, script: str) -> tuple[int, str, str]:
    result = host.exec_run(
        ["bash", "-c", script], workdir=str(REPO), environment={"LC_ALL": "C.UTF-8"}, demux=True
    )
    out, err = result.output
    return result.exit_code, (out or b"").decode(), (err or b"").decode()


def packages(host: Container) -> str:
    code, out, err = sh(host, "dpkg-query -W")
    assert code == 0, err
    return out


@pytest.fixture(scope="module")
def instructor_machine(
    docker_client: docker.DockerClient, testbed: Testbed, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Container]:
    checkout = tmp_path_factory.mktemp("checkout") / "nslab"
    shutil.copytree(REPO, checkout, ignore=NOT_COPIED, symlinks=True)
    (checkout / ".venv").mkdir()
    options = host_run_options()
    volumes = dict(options.pop("volumes"))  # type: ignore[call-overload]
    volumes[str(checkout)] = {"bind": str(REPO), "mode": "rw"}
    volumes[str(REPO / ".venv")] = {"bind": str(REPO / ".venv"), "mode": "ro"}
    if not Path(sys.base_prefix).is_relative_to("/usr"):
        # A venv made from a Python outside /usr (pyenv) needs that Python at the same path.
        volumes[sys.base_prefix] = {"bind": sys.base_prefix, "mode": "ro"}
    host = docker_client.containers.run(
        testbed.host_image,
        name=f"nslab-test-controller-setup-{os.getpid()}",
        hostname="instructor",
        detach=True,
        network=testbed.network,
        labels={HOST_LABEL: "controller-setup"},
        volumes=volumes,
        **options,
    )
    try:
        wait_until_booted(host)
        code, out, err = sh(host, course_note_script(testbed.standin_base_url, install=True))
        assert code == 0, out + err
        assert sh(host, "docker info --format '{{.ServerVersion}}'")[0] == 0
        yield host
    finally:
        remove_host(host)


def test_commands_leave_the_instructors_docker_as_it_was(
    instructor_machine: Container, tmp_path: Path
) -> None:
    host = instructor_machine
    before = packages(host)
    assert "docker-ce\t5:" in before and "containerd.io\t" in before

    code, out, err = sh(host, "./nslab --help")
    assert code == 0, err
    assert "provision" in out
    assert sh(host, "./nslab vm status")[0] == 0
    sh(host, "mkdir -p /srv/class")
    sh(
        host,
        "printf '[lab_vms]\\ngone ansible_connection=community.docker.docker"
        " ansible_host=no-such-container\\n' > /srv/class/class.ini",
    )
    code, out, err = sh(host, "./nslab provision -i /srv/class/class.ini")
    assert code == 1, out + err
    assert "Traceback" not in err
    assert "0/1 hosts ok" in out
    # The built-in default would use the running docker-ce, not install an engine of its own.
    code, out, err = sh(host, "NSLAB_SETUP_PLAN=1 .venv/bin/python -m lab provision")
    assert (code, err) == (0, "")
    assert "engine use" in out.splitlines()
    assert "docker.io" not in out

    assert packages(host) == before
    assert sh(host, "systemctl is-active docker")[1] == "active\n"


def test_a_stopped_engine_is_reported_not_replaced(instructor_machine: Container) -> None:
    host = instructor_machine
    assert sh(host, "systemctl stop docker.socket docker.service")[0] == 0
    try:
        before = packages(host)
        code, out, err = sh(host, "./nslab provision --vms 2")
        assert code == 2, out + err
        (line,) = err.splitlines()
        assert "docker-ce" in line and "systemctl start docker" in line, line
        assert "never installs Debian's docker.io" in line
        # Nothing booted, nothing installed, no engine started behind the instructor's back.
        assert sh(host, "./nslab vm status")[1].startswith("no lab VMs")
        assert sh(host, "./nslab --help")[0] == 0
        assert packages(host) == before
        assert sh(host, "systemctl is-active docker")[1] == "inactive\n"
        assert sh(host, "grep -lx dockerd /proc/[0-9]*/comm")[0] == 1, "a dockerd was started"
        assert sh(host, "test -e inventory/local.yml")[0] == 1
    finally:
        sh(host, "systemctl start docker.service")
