"""Debian root filesystems from debootstrap, packed as tarballs and cached by their inputs."""

from __future__ import annotations

import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from lab.progress import step
from lab.build.cache import cache_key, publish_atomically
from lab.build.shell import run

DEFAULT_MIRROR = "http://deb.debian.org/debian"
# Bump when the way a rootfs is made changes, so cached tarballs from the old recipe are not reused.
RECIPE_VERSION = 1


@dataclass(frozen=True)
class RootfsSpec:
    include: tuple[str, ...] = ()
    suite: str = "bookworm"
    variant: str = "minbase"
    mirror: str = DEFAULT_MIRROR

    def key(self) -> str:
        return cache_key(
            {
                "recipe": RECIPE_VERSION,
                "suite": self.suite,
                "variant": self.variant,
                # debootstrap does not care about the order, so neither does the key.
                "include": sorted(set(self.include)),
                "mirror": self.mirror.rstrip("/"),
            }
        )


def debian_mirror() -> str:
    """The Debian mirror images are built from: $NSLAB_DEBIAN_MIRROR, else deb.debian.org."""
    return os.environ.get("NSLAB_DEBIAN_MIRROR") or DEFAULT_MIRROR


def debootstrap_command(spec: RootfsSpec, target: Path) -> list[str]:
    command = ["debootstrap", f"--variant={spec.variant}"]
    if spec.include:
        command.append("--include=" + ",".join(sorted(set(spec.include))))
    return [*command, spec.suite, str(target), spec.mirror]


def ensure_rootfs(spec: RootfsSpec, cache: Path) -> Path:
    """Return the cached rootfs tarball for `spec`, running debootstrap only if it is missing."""
    tarball = cache / "rootfs" / f"{spec.key()}.tar"
    if tarball.exists():
        return tarball
    with step(f"debootstrap {spec.suite} ({spec.variant}, +{','.join(spec.include) or 'nothing'})"):
        return publish_atomically(tarball, lambda partial: _build(spec, partial))


def _build(spec: RootfsSpec, tarball: Path) -> None:
    with tempfile.TemporaryDirectory(dir=tarball.parent, prefix=".debootstrap-") as work:
        target = Path(work) / "rootfs"
        try:
            run(debootstrap_command(spec, target))
            run(["tar", "--numeric-owner", "-C", str(target), "-cf", str(tarball), "."])
        finally:
            # A killed debootstrap can leave /proc or /sys mounted inside the tree; removing the
            # tree must never descend into them.
            _unmount_below(target)


def _unmount_below(root: Path) -> None:
    prefix = str(root.resolve()) + "/"
    mounts = [
        line.split()[1]
        for line in Path("/proc/self/mounts").read_text().splitlines()
        if line.split()[1].startswith(prefix)
    ]
    for mountpoint in sorted(mounts, reverse=True):
        subprocess.run(["umount", "-l", mountpoint], check=False)
