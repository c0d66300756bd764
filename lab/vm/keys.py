"""The lab's SSH key: made once per cache, installed in every base image, used for every VM."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from lab.debian.cache import publish_atomically
from lab.debian.shell import run


@dataclass(frozen=True)
class LabKey:
    private: Path

    @property
    def public(self) -> Path:
        return self.private.with_name(self.private.name + ".pub")

    def public_line(self) -> str:
        return self.public.read_text().strip()


def ensure_lab_key(cache: Path) -> LabKey:
    """Return the lab key under `cache`, generating it only if it does not exist yet."""
    directory = cache / "vm" / "ssh"
    publish_atomically(directory, _generate)
    return LabKey(private=directory / "id_ed25519")


def _generate(directory: Path) -> None:
    directory.mkdir(mode=0o700)
    private = directory / "id_ed25519"
    run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "nslab-lab-key", "-f", str(private)])
    # ssh refuses a private key that others can read; ssh-keygen already makes it 0600, but the
    # guarantee matters enough to state it here.
    os.chmod(private, 0o600)
