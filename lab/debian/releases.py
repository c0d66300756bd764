"""The Debian releases nslab builds machines for, by codename: the one table everything reads."""

from __future__ import annotations

from dataclasses import dataclass

from lab.errors import LabError


@dataclass(frozen=True)
class DebianRelease:
    codename: str  # what debootstrap, apt sources and Docker's dists/ use
    version: str  # what people say ("Debian 13") and image tags use (debian:13)


BOOKWORM = DebianRelease("bookworm", "12")
TRIXIE = DebianRelease("trixie", "13")
RELEASES = (BOOKWORM, TRIXIE)
DEFAULT_RELEASE = BOOKWORM


def release_named(codename: str) -> DebianRelease:
    """The release called `codename`; a clear error naming the choices for anything else."""
    for release in RELEASES:
        if release.codename == codename:
            return release
    choices = ", ".join(release.codename for release in RELEASES)
    raise LabError(f"unknown Debian release {codename!r}: choose one of {choices}")
