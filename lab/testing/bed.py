"""The test bed as one thing: images, the stand-in repository and its server, up or down."""

from __future__ import annotations

import json
import os
import shlex
from dataclasses import dataclass
from pathlib import Path

import docker
import docker.errors

from lab.debian import images
from lab.debian.cache import cache_dir, locked
from lab.debian.releases import DEFAULT_RELEASE, RELEASES, DebianRelease, release_named
from lab.debian.rootfs import debian_mirror
from lab.debian.standin import ensure_standin
from lab.errors import LabError
from lab.testing import recipes, server

NETWORK = "nslab-testbed"
SERVER_NAME = "nslab-standin"
ENV_FILE = "testbed.env"


@dataclass(frozen=True)
class BedNames:
    network: str
    server: str


def bed_names() -> BedNames:
    """The Docker network and stand-in server names: $NSLAB_TESTBED_NAME names both, so two
    checkouts on one machine keep separate test beds (use a separate NSLAB_CACHE too)."""
    name = os.environ.get("NSLAB_TESTBED_NAME")
    if not name:
        return BedNames(NETWORK, SERVER_NAME)
    return BedNames(name, f"{name}-standin")


@dataclass(frozen=True)
class ReleaseImages:
    host_image: str  # a fresh host of this release (systemd container)
    lab_image: str  # debian:<version>, what the experiment's containers run
    lab_image_archive: Path  # its `docker save`, for hosts without a registry


@dataclass(frozen=True)
class Testbed:
    __test__ = False  # a name pytest would otherwise try to collect as a test class

    network: str
    standin_base_url: str  # stands for https://download.docker.com
    fingerprint: str
    key_sha256: str
    standin_root: Path  # the directory served as standin_base_url (for loopback.serve_on_loopback)
    started_server: bool  # this call (re)started the server container
    releases: dict[str, ReleaseImages]  # by codename

    def images(self, release: DebianRelease = DEFAULT_RELEASE) -> ReleaseImages:
        return self.releases[release.codename]

    @property
    def host_image(self) -> str:
        """A fresh host of the default release (Debian 12)."""
        return self.images().host_image

    @property
    def lab_image(self) -> str:
        return self.images().lab_image

    @property
    def lab_image_archive(self) -> Path:
        return self.images().lab_image_archive

    def role_variables(self, release: DebianRelease = DEFAULT_RELEASE) -> dict[str, str]:
        """The role variables that point a class at the test bed: Docker from the stand-in,
        the lab image from its archive (what a real class sets in group_vars)."""
        lab = self.images(release)
        return {
            "docker_engine_mirror": self.standin_base_url,
            "docker_engine_key_fingerprint": self.fingerprint,
            "docker_engine_key_checksum": f"sha256:{self.key_sha256}",
            "namespace_lab_image": lab.lab_image,
            "namespace_lab_image_archive": str(lab.lab_image_archive),
        }

    def settings(self) -> dict[str, object]:
        """The test bed for a tool (`nslab testbed up --json`; Molecule's create playbook): its
        network, whether this call started the server, and per release the host image and the
        role variables that point a host of that release at the test bed."""
        return {
            "network": self.network,
            "started_server": self.started_server,
            "releases": {
                codename: {
                    "host_image": release_images.host_image,
                    "role_variables": self.role_variables(release_named(codename)),
                }
                for codename, release_images in self.releases.items()
            },
        }

    def env(self) -> dict[str, str]:
        """The same for a shell (`nslab testbed up`, testbed.env): the unsuffixed image settings
        are the default release's, the _<CODENAME> ones each release's."""
        env = {
            "NSLAB_TESTBED_NETWORK": self.network,
            "NSLAB_HOST_IMAGE": self.host_image,
            "NSLAB_STANDIN_URL": self.standin_base_url,
            "NSLAB_STANDIN_FINGERPRINT": self.fingerprint,
            "NSLAB_STANDIN_KEY_SHA256": self.key_sha256,
            "NSLAB_LAB_IMAGE": self.lab_image,
            "NSLAB_LAB_IMAGE_ARCHIVE": str(self.lab_image_archive),
        }
        for codename, lab in self.releases.items():
            suffix = codename.upper()
            env[f"NSLAB_HOST_IMAGE_{suffix}"] = lab.host_image
            env[f"NSLAB_LAB_IMAGE_{suffix}"] = lab.lab_image
            env[f"NSLAB_LAB_IMAGE_ARCHIVE_{suffix}"] = str(lab.lab_image_archive)
        return env


def up(
    cache: Path | None = None,
    mirror: str | None = None,
    *,
    network: str | None = None,
    server_name: str | None = None,
) -> Testbed:
    """Build what is missing (cached by inputs), start the stand-in server, write testbed.env."""
    cache = cache or cache_dir()
    _require_root(cache)
    mirror = mirror or debian_mirror()
    names = bed_names()
    network = network or names.network
    server_name = server_name or names.server
    client = _docker()
    with locked(cache):
        releases = {}
        for release in RELEASES:
            host_image = images.ensure_image(client, recipes.host_recipe(mirror, release), cache)
            lab_image, archive = images.ensure_lab_image(client, cache, mirror, release)
            releases[release.codename] = ReleaseImages(host_image, lab_image, archive)
        repo = ensure_standin(cache, mirror)
        server.ensure_network(client, network)
        plan = server.ServerPlan(
            network=network,
            name=server_name,
            image=releases[DEFAULT_RELEASE.codename].host_image,
            root=repo.root,
            key_sha256=repo.key_sha256,
        )
        started = server.ensure_server(client, plan)
        testbed = Testbed(
            network=network,
            standin_base_url=plan.base_url,
            fingerprint=repo.fingerprint,
            key_sha256=repo.key_sha256,
            standin_root=repo.root,
            started_server=started,
            releases=releases,
        )
        _write_env_file(cache / ENV_FILE, testbed.env())
    return testbed


def down(
    cache: Path | None = None,
    *,
    only_if_unused: bool = False,
    network: str | None = None,
    server_name: str | None = None,
) -> bool:
    """Remove the server container and the network (the cache stays); return True if removed.

    While other containers still use the network, refuse; with `only_if_unused`, quietly leave
    everything running instead: another test session on this machine may rely on the stand-in.
    """
    cache = cache or cache_dir()
    _require_root(cache)
    names = bed_names()
    network = network or names.network
    server_name = server_name or names.server
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


def _require_root(cache: Path) -> None:
    # Checked first: as another user, dockerd's socket and the cache refuse with errors that
    # name neither root nor what to do. Said without a command: `molecule test` lands here too.
    if os.geteuid() != 0:
        raise LabError(
            f"the test bed needs root (it builds Debian images with debootstrap into {cache} "
            "and drives dockerd): run this again as root, e.g. with sudo"
        )


def _docker() -> docker.DockerClient:
    try:
        client = docker.from_env()
        client.ping()
    except docker.errors.DockerException as error:
        raise LabError(
            f"cannot reach dockerd ({error}): start dockerd (tests/run starts it) and retry"
        ) from error
    return client


def run_action(action: str, *, as_json: bool = False) -> int:
    """`nslab testbed up|down`: up prints the settings it wrote to testbed.env, or with
    `as_json` the test bed as one JSON object (Testbed.settings)."""
    if action == "down":
        down()
    elif as_json:
        print(json.dumps(up().settings(), indent=2))
    else:
        print(render_env(up().env()), end="")
    return 0
