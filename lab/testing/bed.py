"""The test bed as one thing: images, the stand-in repository and its server, up or down."""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass
from pathlib import Path

import docker
import docker.errors

from lab.build import images
from lab.build.cache import cache_dir, locked
from lab.build.rootfs import debian_mirror
from lab.build.standin import ensure_standin
from lab.errors import LabError
from lab.testing import recipes, server

NETWORK = "nslab-testbed"
SERVER_NAME = "nslab-standin"
ENV_FILE = "testbed.env"


@dataclass(frozen=True)
class Testbed:
    __test__ = False  # a name pytest would otherwise try to collect as a test class

    network: str
    standin_base_url: str  # stands for https://download.docker.com
    fingerprint: str
    key_sha256: str
    host_image: str
    lab_image: str
    lab_image_archive: Path
    standin_root: Path  # the directory served as standin_base_url (for loopback.serve_on_loopback)
    started_server: bool  # this call (re)started the server container

    def role_variables(self) -> dict[str, str]:
        """The role variables that point a class at the test bed: Docker from the stand-in,
        the lab image from its archive (what a real class sets in group_vars)."""
        return {
            "docker_engine_mirror": self.standin_base_url,
            "docker_engine_key_fingerprint": self.fingerprint,
            "docker_engine_key_checksum": f"sha256:{self.key_sha256}",
            "namespace_lab_image": self.lab_image,
            "namespace_lab_image_archive": str(self.lab_image_archive),
        }

    def env(self) -> dict[str, str]:
        """What Molecule scenarios and tests read to find the test bed."""
        return {
            "NSLAB_TESTBED_NETWORK": self.network,
            "NSLAB_HOST_IMAGE": self.host_image,
            "NSLAB_STANDIN_URL": self.standin_base_url,
            "NSLAB_STANDIN_FINGERPRINT": self.fingerprint,
            "NSLAB_STANDIN_KEY_SHA256": self.key_sha256,
            "NSLAB_LAB_IMAGE": self.lab_image,
            "NSLAB_LAB_IMAGE_ARCHIVE": str(self.lab_image_archive),
        }


def up(
    cache: Path | None = None,
    mirror: str | None = None,
    *,
    network: str = NETWORK,
    server_name: str = SERVER_NAME,
) -> Testbed:
    """Build what is missing (cached by inputs), start the stand-in server, write testbed.env."""
    cache = cache or cache_dir()
    mirror = mirror or debian_mirror()
    client = _docker()
    with locked(cache):
        host_image = images.ensure_image(client, recipes.host_recipe(mirror), cache)
        lab_image = images.ensure_image(client, images.lab_recipe(mirror), cache)
        archive = images.ensure_archive(client, lab_image, cache / "images" / "debian-12.tar")
        repo = ensure_standin(cache)
        server.ensure_network(client, network)
        plan = server.ServerPlan(
            network=network,
            name=server_name,
            image=host_image,
            root=repo.root,
            key_sha256=repo.key_sha256,
        )
        started = server.ensure_server(client, plan)
        testbed = Testbed(
            network=network,
            standin_base_url=plan.base_url,
            fingerprint=repo.fingerprint,
            key_sha256=repo.key_sha256,
            host_image=host_image,
            lab_image=lab_image,
            lab_image_archive=archive,
            standin_root=repo.root,
            started_server=started,
        )
        _write_env_file(cache / ENV_FILE, testbed.env())
    return testbed


def down(
    cache: Path | None = None,
    *,
    only_if_unused: bool = False,
    network: str = NETWORK,
    server_name: str = SERVER_NAME,
) -> bool:
    """Remove the server container and the network (the cache stays); return True if removed.

    While other containers still use the network, refuse; with `only_if_unused`, quietly leave
    everything running instead: another test session on this machine may rely on the stand-in.
    """
    cache = cache or cache_dir()
    client = _docker()
    with locked(cache):
        users = server.other_containers_on(client, network, server_name)
        if users and only_if_unused:
            return False
        if users:
            # Checked before removing anything, so a refused `down` leaves a working test bed.
            raise LabError(
                f"containers still use network {network} ({', '.join(users)}): "
                "remove those test hosts first"
            )
        server.remove_server(client, server_name)
        server.remove_network(client, network)
        (cache / ENV_FILE).unlink(missing_ok=True)
    return True


def render_env(env: dict[str, str]) -> str:
    """Shell-sourceable `NAME=value` lines."""
    return "".join(f"{name}={shlex.quote(value)}\n" for name, value in env.items())


def _write_env_file(path: Path, env: dict[str, str]) -> None:
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    partial.write_text(render_env(env))
    os.replace(partial, path)


def _docker() -> docker.DockerClient:
    try:
        client = docker.from_env()
        client.ping()
    except docker.errors.DockerException as error:
        raise LabError(
            f"cannot reach dockerd ({error}); start it (CI's .ci/run does) and retry"
        ) from error
    return client


def run_action(action: str) -> int:
    """`nslab testbed up|down`: up prints the settings it wrote to testbed.env."""
    if action == "up":
        print(render_env(up().env()), end="")
    else:
        down()
    return 0
