"""`up` is idempotent, its settings are what it says, and its images are what they claim to be."""

from __future__ import annotations

import hashlib
import os
import subprocess
import urllib.request
from pathlib import Path

import docker
import pytest

from lab.debian.cache import cache_dir
from lab.debian.images import KEY_LABEL, archived_key
from lab.debian.releases import TRIXIE
from lab.testing import Testbed, down, up
from lab.testing.bed import bed_names, render_env
from lab.testing.server import PORT

pytestmark = pytest.mark.integration


def test_second_up_reuses_everything(testbed: Testbed) -> None:
    again = up()
    assert not again.started_server
    assert again.env() == testbed.env()


def test_env_file_is_shell_sourceable(testbed: Testbed) -> None:
    env_file = cache_dir() / "testbed.env"
    assert env_file.read_text() == render_env(testbed.env())
    sourced = subprocess.run(
        ["sh", "-c", f'. "{env_file}" && echo "$NSLAB_STANDIN_URL $NSLAB_HOST_IMAGE"'],
        capture_output=True,
        text=True,
        check=True,
    )
    assert sourced.stdout.split() == [testbed.standin_base_url, testbed.host_image]


def test_standin_serves_the_key_it_reports(
    docker_client: docker.DockerClient, testbed: Testbed
) -> None:
    server = docker_client.containers.get(bed_names().server)
    address = server.attrs["NetworkSettings"]["Networks"][testbed.network]["IPAddress"]
    with urllib.request.urlopen(f"http://{address}:{PORT}/linux/debian/gpg", timeout=5) as answer:
        key = answer.read()
    assert hashlib.sha256(key).hexdigest() == testbed.key_sha256
    assert key.startswith(b"-----BEGIN PGP PUBLIC KEY BLOCK-----")
    assert len(testbed.fingerprint) == 40
    assert testbed.fingerprint == testbed.fingerprint.upper()


def test_images_carry_their_cache_key(docker_client: docker.DockerClient, testbed: Testbed) -> None:
    host = docker_client.images.get(testbed.host_image)
    assert host.labels[KEY_LABEL].startswith(testbed.host_image.rsplit(":", 1)[1])
    assert host.attrs["Config"]["Cmd"] == ["/lib/systemd/systemd"]
    assert "nslab/debian12-host:latest" in host.tags
    lab = docker_client.images.get(testbed.lab_image)
    assert lab.attrs["Config"]["Cmd"] == ["bash"]
    assert archived_key(testbed.lab_image_archive) == lab.labels[KEY_LABEL]


def test_lab_image_is_debian_12(docker_client: docker.DockerClient, testbed: Testbed) -> None:
    output = docker_client.containers.run(
        testbed.lab_image, ["cat", "/etc/debian_version"], remove=True
    )
    assert output.decode().startswith("12.")


def test_lab_image_is_packed_like_dockers_official_one(
    docker_client: docker.DockerClient, testbed: Testbed
) -> None:
    """No apt lists or caches (what every host copies and loads), the directories still there,
    and the archive about the official image's ~120 MB rather than debootstrap's ~200 MB."""
    listing = docker_client.containers.run(
        testbed.lab_image,
        ["sh", "-c", "ls -A /var/lib/apt/lists /var/cache/apt; dpkg -s apt | head -2"],
        remove=True,
    ).decode()
    assert listing.split() == [
        "/var/cache/apt:",
        "/var/lib/apt/lists:",
        "Package:",
        "apt",
        "Status:",
        "install",
        "ok",
        "installed",
    ], listing
    assert testbed.lab_image_archive.stat().st_size < 140 * 2**20


def test_debian_13_images(docker_client: docker.DockerClient, testbed: Testbed) -> None:
    trixie = testbed.images(TRIXIE)
    output = docker_client.containers.run(
        trixie.lab_image, ["cat", "/etc/debian_version"], remove=True
    )
    assert output.decode().startswith("13.")
    assert trixie.lab_image == "debian:13"
    assert (
        archived_key(trixie.lab_image_archive)
        == (docker_client.images.get(trixie.lab_image).labels[KEY_LABEL])
    )
    assert "nslab/debian13-host:latest" in docker_client.images.get(trixie.host_image).tags


def test_up_recovers_a_stopped_server_and_down_removes_it(
    docker_client: docker.DockerClient, tmp_path: Path
) -> None:
    # Its own network, server and cache, so the session's shared test bed is not disturbed.
    suffix = f"t{os.getpid()}"
    names = {"network": f"nslab-testbed-{suffix}", "server_name": f"nslab-standin-{suffix}"}
    try:
        first = up(tmp_path, **names)
        assert first.started_server
        assert (tmp_path / "testbed.env").exists()
        assert first.standin_base_url == f"http://{names['server_name']}:{PORT}"

        docker_client.containers.get(names["server_name"]).stop(timeout=1)
        assert up(tmp_path, **names).started_server
        assert not up(tmp_path, **names).started_server
    finally:
        assert down(tmp_path, **names)
    assert not docker_client.containers.list(all=True, filters={"name": names["server_name"]})
    assert not docker_client.networks.list(names=[names["network"]])
    assert not (tmp_path / "testbed.env").exists()
    assert down(tmp_path, **names)  # nothing left to remove is not an error
