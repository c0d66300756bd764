"""Serving the stand-in repository to Debian 12 host containers over a user-defined network.

A container on a Docker bridge cannot reach the controller's loopback, so the repository is served
from a small container that the hosts reach by its name on a shared network.
"""

from __future__ import annotations

import hashlib
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import docker
import docker.errors
from docker.models.containers import Container

from lab.errors import LabError
from lab.progress import step

ROLE_LABEL = "org.nslab.testbed"
ROOT_LABEL = "org.nslab.standin-root"
SERVED_AT = "/srv/standin"
PORT = 8080
READY_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class ServerPlan:
    network: str
    name: str
    image: str  # an image that has python3
    root: Path  # the directory served as the base URL
    key_sha256: str  # what <base>/linux/debian/gpg must hash to once the server answers

    @property
    def base_url(self) -> str:
        return f"http://{self.name}:{PORT}"


def ensure_network(client: docker.DockerClient, name: str) -> None:
    if not _networks_named(client, name):
        client.networks.create(name, driver="bridge", labels={ROLE_LABEL: "network"})


def ensure_server(client: docker.DockerClient, plan: ServerPlan) -> bool:
    """Make the server container run `plan`; return True if it had to be (re)started."""
    current = _find(client, plan.name)
    if current is not None and _matches(client, current, plan):
        return False
    with step(f"start {plan.name} serving {plan.root}"):
        if current is not None:
            _remove_ours(current)
        container = client.containers.run(
            plan.image,
            ["python3", "-m", "http.server", str(PORT), "--directory", SERVED_AT],
            name=plan.name,
            detach=True,
            labels={ROLE_LABEL: "standin", ROOT_LABEL: str(plan.root)},
            volumes={str(plan.root): {"bind": SERVED_AT, "mode": "ro"}},
            network=plan.network,
            restart_policy={"Name": "unless-stopped"},
        )
        _wait_until_serving(container, plan)
    return True


def remove_server(client: docker.DockerClient, name: str) -> bool:
    container = _find(client, name)
    if container is None:
        return False
    _remove_ours(container)
    return True


def remove_network(client: docker.DockerClient, name: str) -> None:
    for network in _networks_named(client, name):
        if (network.attrs.get("Labels") or {}).get(ROLE_LABEL) != "network":
            raise LabError(f"network {name} was not created by nslab; not removing it")
        network.remove()


def other_containers_on(client: docker.DockerClient, network: str, server: str) -> list[str]:
    names: list[str] = []
    for found in _networks_named(client, network):
        found.reload()
        names += [c.name for c in found.containers if c.name != server]
    return names


def _networks_named(client: docker.DockerClient, name: str) -> list:
    # Docker's `name` filter matches any network whose name contains it: the test bed "h14"
    # would take "h14m"'s network for its own.
    return [network for network in client.networks.list(names=[name]) if network.name == name]


def _find(client: docker.DockerClient, name: str) -> Container | None:
    try:
        return client.containers.get(name)
    except docker.errors.NotFound:
        return None


def _matches(client: docker.DockerClient, container: Container, plan: ServerPlan) -> bool:
    labels = container.labels
    networks = container.attrs["NetworkSettings"]["Networks"]
    return (
        container.status == "running"
        and labels.get(ROLE_LABEL) == "standin"
        and labels.get(ROOT_LABEL) == str(plan.root)
        and container.image.id == client.images.get(plan.image).id
        and plan.network in networks
    )


def _remove_ours(container: Container) -> None:
    if container.labels.get(ROLE_LABEL) != "standin":
        raise LabError(
            f"a container named {container.name} exists and was not created by nslab: "
            "remove or rename it"
        )
    container.remove(force=True)


def _wait_until_serving(container: Container, plan: ServerPlan) -> None:
    """Fetch the key from the container's address on the network and check what it serves."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    last_error = "no answer"
    while time.monotonic() < deadline:
        container.reload()
        if container.status != "running":
            logs = container.logs(tail=20).decode(errors="replace")
            raise LabError(f"{plan.name} stopped: {logs}")
        address = container.attrs["NetworkSettings"]["Networks"][plan.network]["IPAddress"]
        url = f"http://{address}:{PORT}/linux/debian/gpg"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                served = hashlib.sha256(response.read()).hexdigest()
        except (urllib.error.URLError, OSError) as error:
            last_error = str(error)
            time.sleep(0.2)
            continue
        if served != plan.key_sha256:
            raise LabError(f"{plan.name} serves a different key than {plan.root} holds")
        return
    raise LabError(
        f"{plan.name} did not serve {plan.base_url} within {READY_TIMEOUT_S:.0f} s: {last_error}"
    )
