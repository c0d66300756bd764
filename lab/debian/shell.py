"""Running the tools the test bed is built with (debootstrap, tar, apt, dpkg-deb, gpg)."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from pathlib import Path

from lab.errors import LabError


def run(
    command: list[str], *, cwd: Path | None = None, env: Mapping[str, str] | None = None
) -> str:
    """Run `command`, return its stdout; on failure raise with the command and its output's tail."""
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-20:])
        raise LabError(f"`{' '.join(command)}` failed (exit {result.returncode}):\n{tail}")
    return result.stdout
