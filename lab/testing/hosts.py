"""Debian 12 and 13 "machines" as systemd containers: fresh hosts for roles and tests to work on.

`docker run --privileged` fails on the project's CI machines (they lack CAP_SYS_RESOURCE); these
options are what lets systemd boot and an inner dockerd run without it.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager

import docker
from docker.models.containers import Container
from docker.types import Mount

from lab.errors import LabError

HOST_LABEL = "org.nslab.test-host"
BOOT_TIMEOUT_S = 60.0


def host_run_options() -> dict[str, object]:
    """Keyword arguments for `containers.run` that make a container a bootable systemd host."""
    return {
        "cap_add": ["ALL"],
        # No SYS_MODULE: a container has no /lib/modules, and with the capability Debian 13's
        # systemd-modules-load tries to load modules, fails and leaves the system "degraded".
        "cap_drop": ["SYS_RESOURCE", "SYS_MODULE"],
        "security_opt": ["seccomp=unconfined", "apparmor=unconfined"],
        "device_cgroup_rules": ["a *:* rwm"],
        "cgroupns": "host",
        "volumes": {"/sys/fs/cgroup": {"bind": "/sys/fs/cgroup", "mode": "rw"}},
        # An anonymous volume, so an inner dockerd gets a real filesystem for overlay2.
        "mounts": [Mount(target="/var/lib/docker", source=None, type="volume")],
        "tmpfs": {"/run": "", "/run/lock": "", "/tmp": ""},
    }


def start_host(
    client: docker.DockerClient, image: str, name: str, network: str, purpose: str
) -> Container:
    """Start a host container and wait until systemd reports the system up."""
    container = client.containers.run(
        image,
        name=name,
        hostname=name,
        detach=True,
        network=network,
        labels={HOST_LABEL: purpose},
        **host_run_options(),
    )
    try:
        wait_until_booted(container)
    except BaseException:
        remove_host(container)
        raise
    return container


@contextmanager
def running_host(
    client: docker.DockerClient, image: str, name: str, network: str, purpose: str
) -> Iterator[Container]:
    """A host for the duration of a `with` block, removed afterwards whatever happened."""
    container = start_host(client, image, name, network, purpose)
    try:
        yield container
    finally:
        remove_host(container)


def wait_until_booted(container: Container) -> str:
    """Return `systemctl is-system-running` once it is `running` or `degraded`."""
    deadline = time.monotonic() + BOOT_TIMEOUT_S
    state = "unknown"
    while time.monotonic() < deadline:
        result = container.exec_run(["systemctl", "is-system-running"])
        state = result.output.decode().strip()
        if state in ("running", "degraded"):
            return state
        time.sleep(0.3)
    raise LabError(f"{container.name}: systemd did not finish booting ({state})")


def remove_host(container: Container) -> None:
    # v=True: the anonymous /var/lib/docker volume goes with the container.
    container.remove(force=True, v=True)


def controller_endpoint(client: docker.DockerClient, network: str) -> tuple[str, int]:
    """This machine as the test bed's hosts reach it (its bridge's IPv4 gateway on `network`) and
    a port free there: where a service of the controller's (the class registry) listens for them."""
    config = client.networks.get(network).attrs["IPAM"]["Config"]
    address = next(entry["Gateway"] for entry in config if ":" not in entry.get("Gateway", ":"))
    with socket.socket() as probe:
        probe.bind((address, 0))
        return address, probe.getsockname()[1]
