"""The built-in default class: fresh local VMs, provisioned with playbooks/lab.yml.

`nslab provision` without an inventory boots local Debian VMs (`nslab vm up`; Debian 12 unless
`--release` names another) unless some are already running, picks where Docker comes from, and
provisions them like any class. Docker comes from download.docker.com when it answers;
otherwise (offline classrooms, this project's CI) from the local stand-in — the same signed
repository layout, served on this machine's loopback, which a qemu guest reaches as 10.0.2.2 —
with the lab image of the VMs' release loaded from an archive built here. The run says plainly
which one it used.
"""

from __future__ import annotations

import contextlib
import socket
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from lab.debian.releases import DEFAULT_RELEASE, DebianRelease, release_named
from lab.errors import LabError

if TYPE_CHECKING:
    from lab.provision.config import ProvisionRequest

DOCKER_KEY_URL = "https://download.docker.com/linux/debian/gpg"
PROBE_TIMEOUT_S = 5.0
# A fixed port: the stand-in's URL is written into the VMs' docker.list, so a re-run must serve
# it at the same address to report 0 changed.
STANDIN_PORT = 18080
SOURCES = ("auto", "docker", "standin")


@dataclass(frozen=True)
class DockerSource:
    name: str  # "docker" or "standin"
    description: str
    # The roles' variables that say so, written into the VMs' inventory.
    variables: dict[str, str]


def download_docker_com_answers(timeout_s: float = PROBE_TIMEOUT_S) -> bool:
    try:
        with urllib.request.urlopen(DOCKER_KEY_URL, timeout=timeout_s) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def provision_local(request: ProvisionRequest, *, out: TextIO | None = None) -> int:
    """Bring up (or reuse) the local VMs, provision them, say which Docker repository was used."""
    from lab.debian.cache import cache_dir
    from lab.provision.command import provision_command
    from lab.provision.config import check_inputs, work_dir_of
    from lab.vm.inventory import set_class_variables
    from lab.vm.lifecycle import VmOptions, default_state_dir, up

    out, source = out or sys.stdout, request.docker_repo
    if source not in SOURCES:
        raise LabError(f"--docker-repo {source}: choose one of {', '.join(SOURCES)}")
    debian_release = release_named(request.release) if request.release else DEFAULT_RELEASE
    # Checked before any VM boots: bad input must not leave VMs running. A vault password that is
    # still to be typed is asked for after the VMs are up, so vaulted -e files wait until then.
    project_dir, *_ = check_inputs(
        replace(request, extravars=()) if request.options.ask_vault_pass else request
    )
    cache = cache_dir()
    vm_options = VmOptions(
        cache=cache,
        state_dir=default_state_dir(cache),
        inventory=work_dir_of(project_dir) / "inventory" / "local.yml",
        count=request.vms,
        release=debian_release.codename,
    )
    # The Docker source first: a controller whose Docker engine cannot build the stand-in's
    # image archive stops here, before any VM boots.
    with _docker_source(source, cache, debian_release) as docker_source:
        if _local_vms_answer(vm_options.inventory):
            out.write(
                f"nslab: provisioning the running VMs of {vm_options.inventory}; "
                "`nslab vm down` first for fresh ones\n"
            )
        else:
            up(vm_options)
        # In the inventory, not -e: `-i inventory/local.yml` later takes Docker and the lab image
        # from the same place (and records it so), and a user's -e still wins.
        set_class_variables(vm_options.inventory, docker_source.variables)
        out.write(f"nslab: Docker Engine from {docker_source.description}\n")
        out.flush()
        local_class = replace(request, project_dir=project_dir, inventory=vm_options.inventory)
        status_code = provision_command(local_class, out=out)
    out.write(f"nslab: Docker Engine came from {docker_source.description}\n")
    return status_code


def _local_vms_answer(inventory: Path) -> bool:
    """True if `inventory` (written by `nslab vm up`) lists VMs whose SSH ports all answer."""
    import yaml

    from lab.vm.inventory import GROUP

    if not inventory.is_file():
        return False
    hosts = (yaml.safe_load(inventory.read_text()) or {}).get(GROUP, {}).get("hosts") or {}
    if not hosts:
        return False
    for host in hosts.values():
        try:
            socket.create_connection((host["ansible_host"], host["ansible_port"]), 2).close()
        except OSError:
            return False
    return True


@contextlib.contextmanager
def _docker_source(source: str, cache: Path, release: DebianRelease) -> Iterator[DockerSource]:
    # Named as the class summary and `nslab runs` name it (lab.summary.outcome.docker_source),
    # from the same variables the VMs' inventory gets; then what only this path knows.
    from lab.summary.outcome import docker_source

    if source == "docker" or (source == "auto" and download_docker_com_answers()):
        yield DockerSource(
            "docker", f"{docker_source({})} (Docker's repository, images from Docker Hub)", {}
        )
        return
    why = "as asked" if source == "standin" else "download.docker.com did not answer"
    with _standin_on_loopback(cache, release) as (url, fingerprint, key_sha256, image, archive):
        variables = {
            "docker_engine_mirror": url,
            "docker_engine_key_fingerprint": fingerprint,
            "docker_engine_key_checksum": f"sha256:{key_sha256}",
            "namespace_lab_image": image,
            "namespace_lab_image_archive": str(archive),
        }
        yield DockerSource(
            "standin",
            f"the local stand-in for download.docker.com at {docker_source(variables)} ({why}); "
            f"lab image from {archive}",
            variables,
        )


@contextlib.contextmanager
def _standin_on_loopback(
    cache: Path, release: DebianRelease
) -> Iterator[tuple[str, str, str, str, Path]]:
    """Build (cached) the stand-in and the release's lab image archive; serve the stand-in for
    the run."""
    import docker

    from lab.debian import images
    from lab.debian.cache import locked
    from lab.debian.loopback import serve_on_loopback, stop_loopback
    from lab.debian.rootfs import debian_mirror
    from lab.debian.standin import ensure_standin
    from lab.provision.controller_setup import require_engine

    require_engine("the local stand-in builds the lab image archive with Docker")
    with locked(cache):
        repo = ensure_standin(cache, debian_mirror())
        client = docker.from_env()
        image, archive = images.ensure_lab_image(client, cache, debian_mirror(), release)
    pidfile = cache / "standin-loopback.pid"
    server = serve_on_loopback(repo.root, STANDIN_PORT, pidfile, repo.key_sha256)
    try:
        yield server.url_from_qemu_guest, repo.fingerprint, repo.key_sha256, image, archive
    finally:
        stop_loopback(pidfile)
