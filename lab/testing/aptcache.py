"""A caching apt proxy (apt-cacher-ng) on the test bed's network, for docker_engine_apt_proxy.

A class of N hosts behind it fetches each package from upstream (Debian's mirror, the stand-in
for download.docker.com) once; what it fetched is read from its network counters.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import docker
from docker.models.containers import Container

from lab.debian import images
from lab.debian.cache import cache_dir, locked
from lab.debian.rootfs import debian_mirror
from lab.errors import LabError
from lab.testing import recipes, server

PORT = 3142
CACHE_LABEL = "org.nslab.apt-cache"
READY_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class AptCache:
    container: Container

    @property
    def url(self) -> str:
        """What docker_engine_apt_proxy is set to, for hosts on the same network."""
        return f"http://{self.container.name}:{PORT}"

    def received_bytes(self) -> int:
        """Bytes its network interfaces received: upstream downloads plus the hosts' requests."""
        return received_bytes(self.container)

    def remove(self) -> None:
        self.container.remove(force=True)


def start_apt_cache(
    client: docker.DockerClient, network: str, name: str, cache: Path | None = None
) -> AptCache:
    """Start an empty apt-cacher-ng on `network` (image built once, cached by its inputs)."""
    cache = cache or cache_dir()
    recipe = recipes.apt_cache_recipe(debian_mirror())
    with locked(cache):
        image = images.ensure_image(client, recipe, cache)
    container = client.containers.run(
        image,
        # apt-cacher-ng refuses upstream ports other than 80 unless told; the stand-in uses its own.
        [*recipe.cmd, f"AllowUserPorts=80 {server.PORT}"],
        name=name,
        detach=True,
        network=network,
        labels={CACHE_LABEL: "apt-cacher-ng"},
    )
    apt_cache = AptCache(container)
    try:
        _wait_until_listening(apt_cache)
    except BaseException:
        apt_cache.remove()
        raise
    return apt_cache


def received_bytes(container: Container) -> int:
    """Sum of rx_bytes over the container's interfaces other than loopback."""
    script = (
        'for d in /sys/class/net/*; do [ "${d##*/}" = lo ] || cat "$d/statistics/rx_bytes"; done'
    )
    result = container.exec_run(["sh", "-c", script])
    if result.exit_code != 0:
        raise LabError(f"{container.name}: cannot read its network counters: {result.output!r}")
    return sum(int(line) for line in result.output.split())


def _wait_until_listening(apt_cache: AptCache) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        apt_cache.container.reload()
        if apt_cache.container.status != "running":
            logs = apt_cache.container.logs(tail=20).decode(errors="replace")
            raise LabError(f"{apt_cache.container.name} stopped: {logs}")
        # bash, not sh: dash has no /dev/tcp.
        probe = apt_cache.container.exec_run(["bash", "-c", f"exec 3<>/dev/tcp/127.0.0.1/{PORT}"])
        if probe.exit_code == 0:
            return
        time.sleep(0.2)
    raise LabError(f"{apt_cache.container.name} did not listen on port {PORT} in time")
