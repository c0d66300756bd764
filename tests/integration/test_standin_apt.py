"""A fresh Debian 12 host trusts and reads the stand-in exactly as it would download.docker.com."""

from __future__ import annotations

import os
from collections.abc import Iterator

import docker
import pytest
from docker.models.containers import Container

from lab.testbed import Testbed
from lab.testbed.hosts import remove_host, start_host

pytestmark = pytest.mark.integration

OFFICIAL_BASE = "https://download.docker.com"
# The seed's steps up to the second `apt-get update`, verbatim but for `sudo` (the test runs as
# root) and the base URL, which the test swaps for the stand-in's.
SEED_STEPS = """\
apt-get update
apt-get install ca-certificates curl
install -m 0755 -d /etc/apt/keyrings
curl -fsSL https://download.docker.com/linux/debian/gpg -o /etc/apt/keyrings/docker.asc
chmod a+r /etc/apt/keyrings/docker.asc

# Add the repository to Apt sources:
echo \\
  "deb [arch=$(dpkg --print-architecture) signed-by=/etc/apt/keyrings/docker.asc] https://download.docker.com/linux/debian \\
  $(. /etc/os-release && echo "$VERSION_CODENAME") stable" | \\
  tee /etc/apt/sources.list.d/docker.list > /dev/null
apt-get update
"""  # noqa: E501 (the seed's own line length)


def sh(host: Container, script: str) -> tuple[int, str]:
    result = host.exec_run(["sh", "-c", script], environment={"LC_ALL": "C"})
    return result.exit_code, result.output.decode(errors="replace")


@pytest.fixture(scope="module")
def host(docker_client: docker.DockerClient, testbed: Testbed) -> Iterator[Container]:
    container = start_host(
        docker_client,
        testbed.host_image,
        name=f"nslab-test-standin-{os.getpid()}",
        network=testbed.network,
        purpose="standin-apt",
    )
    yield container
    remove_host(container)


@pytest.fixture(scope="module")
def seed_run(host: Container, testbed: Testbed) -> str:
    # apt-get install asks before installing; the person following the seed answers yes.
    sh(host, "echo 'APT::Get::Assume-Yes \"true\";' > /etc/apt/apt.conf.d/90answer-yes")
    steps = SEED_STEPS.replace(OFFICIAL_BASE, testbed.standin_base_url)
    code, output = sh(host, "set -e\n" + steps)
    assert code == 0, output
    return output


def test_host_boots_to_running(host: Container) -> None:
    assert sh(host, "systemctl is-system-running") == (0, "running\n")


def test_key_fetched_is_the_served_key(host: Container, testbed: Testbed, seed_run: str) -> None:
    code, output = sh(host, "sha256sum /etc/apt/keyrings/docker.asc")
    assert code == 0, output
    assert output.split()[0] == testbed.key_sha256
    assert sh(host, "stat -c %a /etc/apt/keyrings/docker.asc") == (0, "644\n")


def test_apt_update_reads_the_signed_standin(testbed: Testbed, seed_run: str) -> None:
    assert f"{testbed.standin_base_url}/linux/debian bookworm InRelease" in seed_run
    assert "NO_PUBKEY" not in seed_run
    assert "not signed" not in seed_run


def test_docker_ce_comes_from_the_standin(host: Container, testbed: Testbed, seed_run: str) -> None:
    code, output = sh(host, "apt-cache policy docker-ce")
    assert code == 0, output
    assert "Candidate: 5:" in output
    assert f"500 {testbed.standin_base_url}/linux/debian bookworm/stable amd64 Packages" in output


def test_signature_is_checked_against_the_configured_key(
    host: Container, testbed: Testbed, seed_run: str
) -> None:
    # Same repository, trusted through Debian's archive key instead: apt must refuse it.
    # A private sources list and lists dir leave the host's apt state as the seed left it.
    code, output = sh(
        host,
        "mkdir -p /tmp/wrong-key/lists/partial && "
        "echo 'deb [arch=amd64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] "
        f"{testbed.standin_base_url}/linux/debian bookworm stable' > /tmp/wrong-key/docker.list && "
        "apt-get -o Dir::Etc::SourceList=/tmp/wrong-key/docker.list "
        "-o Dir::Etc::SourceParts=/tmp/wrong-key/none "
        "-o Dir::State::Lists=/tmp/wrong-key/lists update",
    )
    assert code != 0, output
    assert f"NO_PUBKEY {testbed.fingerprint[-16:]}" in output
    assert "is not signed" in output
