"""Debian root filesystems from debootstrap, packed as tarballs and cached by their inputs."""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from lab.debian.cache import cache_key, publish_atomically
from lab.debian.shell import run
from lab.errors import LabError
from lab.progress import step

DEFAULT_MIRROR = "http://deb.debian.org/debian"
# Suites whose archive debootstrap can build from (the releases nslab supports).
DEBIAN_RELEASES = ("bookworm", "trixie")
# Debian's archive keys (package debian-archive-keyring): every image nslab builds comes from a
# Release file signed by one of them, or is not built.
DEBIAN_KEYRING = Path("/usr/share/keyrings/debian-archive-keyring.gpg")
# Bump when the way a rootfs is made changes, so cached tarballs from the old recipe are not reused.
RECIPE_VERSION = 1


@dataclass(frozen=True)
class RootfsSpec:
    include: tuple[str, ...] = ()
    suite: str = "bookworm"
    variant: str = "minbase"
    mirror: str = DEFAULT_MIRROR
    # Packed as Docker's official Debian images are: without apt's package lists and caches
    # (~80 MB of the ~200 MB debootstrap leaves), which a container gets again with apt-get update.
    packed_like_docker_official: bool = False

    def key(self) -> str:
        inputs: dict[str, object] = {
            "recipe": RECIPE_VERSION,
            "suite": self.suite,
            "variant": self.variant,
            # debootstrap does not care about the order, so neither does the key.
            "include": sorted(set(self.include)),
            "mirror": self.mirror.rstrip("/"),
        }
        if self.packed_like_docker_official:  # absent otherwise: the others' keys stay as cached
            inputs["packed_like_docker_official"] = True
        return cache_key(inputs)


def debian_mirror(apt_dir: Path = Path("/etc/apt")) -> str:
    """The Debian mirror images are built from: $NSLAB_DEBIAN_MIRROR, else the mirror this
    machine's own apt uses for Debian's main archive (a school's local mirror then works without
    configuration), else deb.debian.org."""
    return (
        os.environ.get("NSLAB_DEBIAN_MIRROR") or apt_debian_mirror(apt_dir) or DEFAULT_MIRROR
    ).rstrip("/")


def apt_debian_mirror(apt_dir: Path) -> str | None:
    """The URI of the first apt source that serves a Debian release's main archive.

    Reads sources.list and sources.list.d (one-line and deb822 files). Security and -updates
    suites are not the archive debootstrap needs, so only a plain codename suite counts, and only
    with Debian's `main` component (Docker's repository uses the same codenames with `stable`).
    """
    files = [apt_dir / "sources.list", *sorted((apt_dir / "sources.list.d").glob("*"))]
    for path in files:
        if not path.is_file() or path.suffix not in {".list", ".sources", ""}:
            continue
        entries = _deb822_entries(path) if path.suffix == ".sources" else _one_line_entries(path)
        for uris, suites, components in entries:
            if "main" in components and any(suite in DEBIAN_RELEASES for suite in suites):
                usable = [uri for uri in uris if uri.startswith(("http://", "https://", "file:"))]
                if usable:
                    return usable[0]
    return None


# (URIs, suites, components) of each enabled `deb` entry of an apt source file.
SourceEntry = tuple[list[str], list[str], list[str]]


def _one_line_entries(path: Path) -> list[SourceEntry]:
    entries = []
    for line in path.read_text(errors="replace").splitlines():
        words = re.sub(r"\[[^\]]*\]", " ", line.split("#", 1)[0]).split()
        if len(words) >= 3 and words[0] == "deb":
            entries.append(([words[1]], [words[2]], words[3:]))
    return entries


def _deb822_entries(path: Path) -> list[SourceEntry]:
    entries = []
    for stanza in re.split(r"\n\s*\n", path.read_text(errors="replace")):
        fields: dict[str, str] = {}
        for line in stanza.splitlines():
            if line.startswith("#") or ":" not in line or line[:1].isspace():
                continue
            name, value = line.split(":", 1)
            fields[name.strip().lower()] = value.strip()
        if "deb" in fields.get("types", "").split() and fields.get("enabled", "yes") != "no":
            entries.append(
                (
                    fields.get("uris", "").split(),
                    fields.get("suites", "").split(),
                    fields.get("components", "").split(),
                )
            )
    return entries


def debootstrap_command(
    spec: RootfsSpec, target: Path, keyring: Path = DEBIAN_KEYRING
) -> list[str]:
    """debootstrap with the Release signature checked: without a keyring it would only warn
    ("Cannot check Release signature") and build from whatever the network served."""
    if not keyring.is_file():
        raise LabError(
            f"Debian's archive keyring {keyring} is missing, so the Release files the images are "
            "built from cannot be verified: apt-get install debian-archive-keyring"
        )
    command = [
        "debootstrap",
        "--force-check-gpg",
        f"--keyring={keyring}",
        f"--variant={spec.variant}",
    ]
    if spec.include:
        command.append("--include=" + ",".join(sorted(set(spec.include))))
    return [*command, spec.suite, str(target), spec.mirror]


def ensure_rootfs(spec: RootfsSpec, cache: Path) -> Path:
    """Return the cached rootfs tarball for `spec`, running debootstrap only if it is missing."""
    tarball = cache / "rootfs" / f"{spec.key()}.tar"
    if tarball.exists():
        return tarball
    included = ",".join(spec.include) or "nothing"
    with step(f"debootstrap {spec.suite} ({spec.variant}, +{included}) from {spec.mirror}"):
        return publish_atomically(tarball, lambda partial: _build(spec, partial))


def _build(spec: RootfsSpec, tarball: Path) -> None:
    with tempfile.TemporaryDirectory(dir=tarball.parent, prefix=".debootstrap-") as work:
        target = Path(work) / "rootfs"
        try:
            run(debootstrap_command(spec, target))
            run(
                [
                    "tar",
                    "--numeric-owner",
                    *_excluded(spec),
                    "-C",
                    str(target),
                    "-cf",
                    str(tarball),
                    ".",
                ]
            )
        finally:
            # A killed debootstrap can leave /proc or /sys mounted inside the tree; removing the
            # tree must never descend into them.
            _unmount_below(target)


def _excluded(spec: RootfsSpec) -> list[str]:
    """What the tarball leaves out: for an image like Docker's official ones, the contents of
    apt's lists and caches (the directories stay, as there)."""
    if not spec.packed_like_docker_official:
        return []
    return ["--exclude=./var/lib/apt/lists/*", "--exclude=./var/cache/apt/*"]


def _unmount_below(root: Path) -> None:
    prefix = str(root.resolve()) + "/"
    mounts = [
        line.split()[1]
        for line in Path("/proc/self/mounts").read_text().splitlines()
        if line.split()[1].startswith(prefix)
    ]
    for mountpoint in sorted(mounts, reverse=True):
        subprocess.run(["umount", "-l", mountpoint], check=False)
