"""Images only the tests and benchmarks use: the Debian test hosts and apt-cacher-ng."""

from __future__ import annotations

from lab.debian.images import ImageRecipe
from lab.debian.releases import DEFAULT_RELEASE, DebianRelease
from lab.debian.rootfs import RootfsSpec


def host_recipe(mirror: str, release: DebianRelease = DEFAULT_RELEASE) -> ImageRecipe:
    """A fresh Debian "machine": systemd as PID 1, python3 for Ansible, nothing the roles add.

    curl, ca-certificates and gnupg are left out on purpose: the docker_engine role must install
    what it needs, as on a freshly installed host.
    """
    return ImageRecipe(
        repository=f"nslab/debian{release.version}-host",
        rootfs=RootfsSpec(
            include=("systemd-sysv", "dbus", "python3", "iproute2"),
            suite=release.codename,
            mirror=mirror,
        ),
        cmd=("/lib/systemd/systemd",),
        extra_tags=("latest",),
    )


def ssh_host_recipe(mirror: str, release: DebianRelease = DEFAULT_RELEASE) -> ImageRecipe:
    """The same fresh host with an SSH server, for a controller that reaches it the way it
    reaches a classroom: over SSH, not through the test machine's Docker (the class benchmark
    counts its bytes and ssh clients; an AWX execution environment has no Docker connection)."""
    host = host_recipe(mirror, release)
    return ImageRecipe(
        repository=f"nslab/debian{release.version}-ssh-host",
        rootfs=RootfsSpec(
            include=(*host.rootfs.include, "openssh-server"),
            suite=release.codename,
            mirror=mirror,
        ),
        cmd=host.cmd,
    )


def apt_cache_recipe(mirror: str) -> ImageRecipe:
    """apt-cacher-ng: the shared package cache a class puts in front of its upstream mirrors."""
    return ImageRecipe(
        repository="nslab/apt-cacher-ng",
        rootfs=RootfsSpec(include=("apt-cacher-ng",), mirror=mirror),
        cmd=("/usr/sbin/apt-cacher-ng", "ForeGround=1"),
    )
