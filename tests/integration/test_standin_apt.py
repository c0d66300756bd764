"""A fresh Debian 12 or 13 host trusts and reads the stand-in exactly as it would
download.docker.com, and the course note's install step gives it that release's own engine."""

from __future__ import annotations

import os
from collections.abc import Iterator

import docker
import pytest
from docker.models.containers import Container

from lab.debian.releases import RELEASES, DebianRelease
from lab.testing import Testbed
from lab.testing.course_note_steps import INSTALL_STEP, course_note_script
from lab.testing.hosts import running_host

pytestmark = pytest.mark.integration


def sh(host: Container, script: str) -> tuple[int, str]:
    result = host.exec_run(["sh", "-c", script], environment={"LC_ALL": "C"})
    return result.exit_code, result.output.decode(errors="replace")


@pytest.fixture(scope="module", params=RELEASES, ids=lambda release: release.codename)
def release(request: pytest.FixtureRequest) -> DebianRelease:
    return request.param


@pytest.fixture(scope="module")
def host(
    docker_client: docker.DockerClient, testbed: Testbed, release: DebianRelease
) -> Iterator[Container]:
    name = f"nslab-test-standin-{release.codename}-{os.getpid()}"
    image = testbed.images(release).host_image
    with running_host(docker_client, image, name, testbed.network, "standin-apt") as c:
        yield c


@pytest.fixture(scope="module")
def course_note_run(host: Container, testbed: Testbed) -> str:
    code, output = sh(host, course_note_script(testbed.standin_base_url, install=False))
    assert code == 0, output
    return output


def test_host_boots_to_running(host: Container) -> None:
    assert sh(host, "systemctl is-system-running") == (0, "running\n")


def test_key_fetched_is_the_served_key(
    host: Container, testbed: Testbed, course_note_run: str
) -> None:
    code, output = sh(host, "sha256sum /etc/apt/keyrings/docker.asc")
    assert code == 0, output
    assert output.split()[0] == testbed.key_sha256
    assert sh(host, "stat -c %a /etc/apt/keyrings/docker.asc") == (0, "644\n")


def test_host_is_the_release_it_claims(host: Container, release: DebianRelease) -> None:
    assert sh(host, ". /etc/os-release && echo $VERSION_CODENAME") == (0, f"{release.codename}\n")


def test_apt_update_reads_the_signed_standin(
    testbed: Testbed, release: DebianRelease, course_note_run: str
) -> None:
    assert (
        f"{testbed.standin_base_url}/linux/debian {release.codename} InRelease" in course_note_run
    )
    assert "NO_PUBKEY" not in course_note_run
    assert "not signed" not in course_note_run


def test_docker_ce_comes_from_the_standin(
    host: Container, testbed: Testbed, release: DebianRelease, course_note_run: str
) -> None:
    code, output = sh(host, "apt-cache policy docker-ce")
    assert code == 0, output
    assert "Candidate: 5:" in output
    suite = f"{release.codename}/stable amd64 Packages"
    assert f"500 {testbed.standin_base_url}/linux/debian {suite}" in output


def test_signature_is_checked_against_the_configured_key(
    host: Container, testbed: Testbed, release: DebianRelease, course_note_run: str
) -> None:
    # Same repository, trusted through Debian's archive key instead: apt must refuse it.
    # A private sources list and lists dir leave the host's apt state as the course note left it.
    code, output = sh(
        host,
        "mkdir -p /tmp/wrong-key/lists/partial && "
        "echo 'deb [arch=amd64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] "
        f"{testbed.standin_base_url}/linux/debian {release.codename} stable'"
        " > /tmp/wrong-key/docker.list && "
        "apt-get -o Dir::Etc::SourceList=/tmp/wrong-key/docker.list "
        "-o Dir::Etc::SourceParts=/tmp/wrong-key/none "
        "-o Dir::State::Lists=/tmp/wrong-key/lists update",
    )
    assert code != 0, output
    # Debian 12's apt (gpgv) names the key's id, Debian 13's (sqv) its fingerprint.
    missing = {"bookworm": f"NO_PUBKEY {testbed.fingerprint[-16:]}", "trixie": testbed.fingerprint}
    assert missing[release.codename] in output
    assert "is not signed" in output


# Each release's own engine: Debian 12's docker.io 20.10 (API 1.41), Debian 13's 26.1 (API 1.45).
ENGINES = {"bookworm": ("20.10.", "1.41"), "trixie": ("26.1.", "1.45")}


def test_install_step_gives_the_releases_own_engine(
    host: Container, release: DebianRelease, course_note_run: str
) -> None:
    code, output = sh(host, "set -e\n" + INSTALL_STEP)
    assert code == 0, output
    assert sh(host, "systemctl is-active docker") == (0, "active\n")
    code, output = sh(host, "docker version --format '{{.Server.Version}} {{.Server.APIVersion}}'")
    assert code == 0, output
    version, api = output.split()
    assert (version[: len(ENGINES[release.codename][0])], api) == ENGINES[release.codename]
    # The CLI is Docker's docker-ce-cli, never Debian's docker-cli next to it.
    code, output = sh(host, "dpkg-query -W -f '${Package} ' docker-cli docker-ce-cli 2>/dev/null")
    assert output.split() == ["docker-ce-cli"]
