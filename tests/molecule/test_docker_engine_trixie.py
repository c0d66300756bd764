"""docker_engine on a fresh Debian 13 (trixie) host: Docker's repository as Docker's docs write it
today, the engine's service environment that Docker 26 needs here, then Debian's own engine (split
into docker.io and docker-cli on trixie) in its place.

One host, in file order: the official install first, then the switch to Debian's packages.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest
from docker.models.containers import Container
from docker_engine_host import DOCS_SOURCES_HEREDOC, converge, sh

from lab.debian.releases import TRIXIE
from lab.testing import Testbed
from lab.testing.hosts import running_host

pytestmark = pytest.mark.molecule

# Docker 26 fails every `docker run` in these test hosts without it (see the role's README).
IPV6_WORKAROUND = {"DOCKER_ALLOW_IPV6_ON_IPV4_INTERFACE": "1"}


@pytest.fixture(scope="module")
def trixie_host(docker_client: docker.DockerClient, testbed: Testbed) -> Iterator[Container]:
    name = f"nslab-test-docker-engine-trixie-{os.getpid()}"
    image = testbed.images(TRIXIE).host_image
    with running_host(docker_client, image, name, testbed.network, "docker-engine-trixie") as host:
        yield host


@pytest.fixture
def trixie_vars(testbed: Testbed) -> dict[str, object]:
    return {
        **testbed.role_variables(TRIXIE),
        "docker_engine_apt_source_format": "sources",
        "docker_engine_service_environment": IPV6_WORKAROUND,
    }


def assert_runs_a_container(host: Container, testbed: Testbed) -> None:
    images = testbed.images(TRIXIE)
    subprocess.run(
        ["docker", "cp", str(images.lab_image_archive), f"{host.name}:/root/lab-image.tar"],
        check=True,
    )
    sh(host, "docker load --input /root/lab-image.tar >/dev/null")
    assert sh(host, f"docker run --rm {images.lab_image} cat /etc/debian_version").startswith("13")


def test_official_install_on_trixie_with_docker_sources(
    trixie_host: Container, trixie_vars: dict[str, object], tmp_path: Path, testbed: Testbed
) -> None:
    run = converge(trixie_host, tmp_path, trixie_vars)
    assert run.returncode == 0, run.output
    expected = sh(trixie_host, DOCS_SOURCES_HEREDOC.format(url=trixie_vars["docker_engine_mirror"]))
    assert "Suites: trixie\n" in expected
    assert sh(trixie_host, "cat /etc/apt/sources.list.d/docker.sources") == expected
    assert sh(trixie_host, "ls /etc/apt/sources.list.d").split() == ["docker.sources"]
    assert sh(trixie_host, "docker info --format '{{.ServerVersion}}'").startswith("26.")
    assert_runs_a_container(trixie_host, testbed)
    run = converge(trixie_host, tmp_path, trixie_vars)
    assert run.returncode == 0, run.output
    assert "changed=0 " in run.text, run.output


def test_debian_s_engine_replaces_docker_ce_on_trixie_with_its_cli(
    trixie_host: Container, trixie_vars: dict[str, object], tmp_path: Path, testbed: Testbed
) -> None:
    variables = {
        **trixie_vars,
        "docker_engine_install_source": "debian",
        "docker_engine_remove_conflicting": True,
    }
    run = converge(trixie_host, tmp_path, variables)
    assert run.returncode == 0, run.output
    installed = sh(
        trixie_host,
        "dpkg-query --show --showformat='${Package} ${db:Status-Status}\\n'"
        " docker.io docker-cli docker-ce 2>/dev/null || true",
    )
    assert "docker.io installed" in installed and "docker-cli installed" in installed, installed
    assert "docker-ce installed" not in installed, installed
    assert sh(trixie_host, "docker version --format '{{.Client.Version}}'").startswith("26.")
    assert_runs_a_container(trixie_host, testbed)
    run = converge(trixie_host, tmp_path, variables)
    assert run.returncode == 0, run.output
    assert "changed=0 " in run.text, run.output
