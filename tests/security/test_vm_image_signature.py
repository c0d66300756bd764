"""The VM and host images are built only from a Debian archive whose Release file is signed by
Debian's keys: debootstrap checks the signature (--force-check-gpg) against Debian's keyring,
and a keyring that does not hold the signer's key stops the build before a package is fetched.
Without the check debootstrap only warned and built from whatever the network served."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from lab.debian.rootfs import RootfsSpec, debian_mirror, debootstrap_command


def _keyring_of_someone_else(home: Path) -> Path:
    """A keyring holding one key made here: not Debian's, like a mirror's forged signer."""
    home.mkdir(mode=0o700)
    env = {**os.environ, "GNUPGHOME": str(home)}
    subprocess.run(
        ["gpg", "--batch", "--passphrase", "", "--quick-gen-key", "forger@example.invalid"],
        env=env,
        check=True,
        capture_output=True,
    )
    keyring = home / "forger.gpg"
    subprocess.run(["gpg", "--batch", "--export", "-o", str(keyring)], env=env, check=True)
    return keyring


def test_a_release_not_signed_by_the_keyring_stops_the_build(tmp_path: Path) -> None:
    keyring = _keyring_of_someone_else(tmp_path / "gnupg")
    target = tmp_path / "rootfs"
    command = debootstrap_command(
        RootfsSpec(suite="bookworm", mirror=debian_mirror()), target, keyring=keyring
    )
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode != 0
    assert "Release signed by unknown key" in done.stdout + done.stderr
    # Nothing was unpacked from an archive nobody vouched for.
    assert not (target / "usr" / "bin").exists()
