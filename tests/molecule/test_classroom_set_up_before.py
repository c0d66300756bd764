"""docker_engine on a host that was set up before: Debian's docker.io with a running container,
geerlingguy.docker's deb822 docker.sources, an older docker-ce on hold.

One host, in file order, each case preparing the host from where the previous one left it (the
cheapest realistic path); the last run proves the host that went through all of them converges
without changes.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from docker.models.containers import Container
from docker_engine_host import (
    apt_configuration,
    converge,
    sh,
)

from lab.testing import Testbed

pytestmark = pytest.mark.molecule

OLD_VERSION = "5:20.10.23~lab-1"

# What geerlingguy.docker writes: the same key file, the repository as a deb822 source.
GEERLINGGUY_SOURCES = """\
rm -f /etc/apt/sources.list.d/docker.list
printf 'Types: deb\\nArchitectures: amd64\\nURIs: {url}/linux/debian\\nSuites: bookworm\\n\
Components: stable\\nSigned-By: /etc/apt/keyrings/docker.asc\\n' \
  > /etc/apt/sources.list.d/docker.sources
apt-get update >/dev/null
"""

# An older docker-ce than the repository's, installed and held as an admin would (built
# uncompressed: xz on the engine's 30 MB takes over a minute on two cores).
HOLD_OLDER_DOCKER_CE = f"""\
set -e
apt-get install --reinstall --download-only --yes docker-ce >/dev/null
dpkg-deb -R /var/cache/apt/archives/docker-ce_*.deb /tmp/old-docker-ce
sed -i 's/^Version: .*/Version: {OLD_VERSION}/' /tmp/old-docker-ce/DEBIAN/control
dpkg-deb -Znone --build /tmp/old-docker-ce /tmp/old-docker-ce.deb >/dev/null
dpkg --install /tmp/old-docker-ce.deb >/dev/null 2>&1
apt-mark hold docker-ce >/dev/null
"""


def containers(host: Container) -> str:
    return sh(host, "docker ps --all --format '{{.Names}} {{.State}}'")


def test_debian_docker_io_stops_the_role_without_opt_in(
    host: Container, role_vars: dict[str, object], tmp_path: Path, testbed: Testbed
) -> None:
    sh(host, "apt-get update >/dev/null && apt-get install --yes docker.io >/dev/null")
    subprocess.run(
        ["docker", "cp", str(testbed.lab_image_archive), f"{host.name}:/root/lab-image.tar"],
        check=True,
    )
    sh(host, "docker load --input /root/lab-image.tar >/dev/null")
    sh(host, f"docker run --detach --name classwork {testbed.lab_image} sleep infinity")
    before = apt_configuration(host)
    run = converge(host, tmp_path, role_vars)
    assert run.returncode != 0
    assert (
        "These installed packages conflict with the official engine packages: "
        "docker.io, containerd, runc." in run.text
    ), run.output
    assert "Set docker_engine_remove_conflicting: true" in run.text
    assert apt_configuration(host) == before
    assert "classwork running" in containers(host)


def test_debian_docker_io_is_replaced_with_opt_in_keeping_containers(
    host: Container, role_vars: dict[str, object], tmp_path: Path
) -> None:
    run = converge(host, tmp_path, {**role_vars, "docker_engine_remove_conflicting": True})
    assert run.returncode == 0, run.output
    sh(
        host,
        "dpkg-query --show docker-ce && ! dpkg-query --show --showformat='${db:Status-Status}'"
        " docker.io | grep -qx installed",
    )
    # apt remove, not purge: the container (and /var/lib/docker) survived the swap.
    assert "classwork " in containers(host)


def test_geerlingguy_docker_sources_is_replaced_by_docker_list(
    host: Container, role_vars: dict[str, object], tmp_path: Path
) -> None:
    sh(host, GEERLINGGUY_SOURCES.format(url=role_vars["docker_engine_mirror"]))
    run = converge(host, tmp_path, role_vars)
    assert run.returncode == 0, run.output
    assert "Conflicting values set for option Signed-By" not in run.text
    assert sh(host, "ls /etc/apt/sources.list.d").split() == ["docker.list"]
    assert "Conflicting" not in sh(host, "apt-get update 2>&1")


def test_held_older_docker_ce_is_kept_and_reported(
    host: Container, role_vars: dict[str, object], tmp_path: Path
) -> None:
    sh(host, HOLD_OLDER_DOCKER_CE)
    run = converge(host, tmp_path, role_vars)
    assert run.returncode == 0, run.output
    assert f"Held with apt-mark hold, kept at their version: docker-ce {OLD_VERSION}." in run.text
    assert sh(host, "dpkg-query --show --showformat='${Version}' docker-ce") == OLD_VERSION

    run = converge(host, tmp_path, {**role_vars, "docker_engine_package_state": "latest"})
    assert run.returncode != 0
    assert "The role does not unhold packages, so it cannot apply" in run.text, run.output
    assert sh(host, "dpkg-query --show --showformat='${Version}' docker-ce") == OLD_VERSION


def test_the_host_set_up_before_converges_without_changes(
    host: Container, role_vars: dict[str, object], tmp_path: Path
) -> None:
    run = converge(host, tmp_path, role_vars)
    assert run.returncode == 0, run.output
    assert "changed=0" in run.text and "failed=0" in run.text, run.output
    assert sh(host, "docker info --format '{{.ServerVersion}}'").strip()
    assert "classwork " in containers(host)
