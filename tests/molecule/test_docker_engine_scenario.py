"""The Molecule `default` scenario: docker_engine converges on four fresh hosts at once — Debian 12
and Debian 13, each with the course note's docker.list and with Docker's current docker.sources —
against the stand-in repository, is idempotent, and verify.yml proves the engine on each host.
The wall time is printed (`pytest -s` shows it)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lab.testing import Testbed

pytestmark = pytest.mark.molecule

PROJECT_DIR = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


def test_default_scenario_passes(testbed: Testbed) -> None:
    # Molecule calls ansible-config and ansible-playbook: the venv's must come first.
    env = {**os.environ, "PATH": f"{VENV_BIN}:{os.environ['PATH']}", "NO_COLOR": "1"}
    started = time.monotonic()
    result = subprocess.run(
        [str(VENV_BIN / "molecule"), "test", "-s", "default"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    # With NO_COLOR Molecule reports e.g. "[default > idempotence] Executed: Successful".
    for action in ("converge", "idempotence", "verify"):
        assert re.search(rf"{action}\S*\s+Executed: Successful", output), output
    # Every platform went through the converge: one recap line per host, none failed.
    recap = re.findall(r"-molecule-(\w+)-(\w+)\s+: ok=\d+.*\sfailed=0\s", output)
    assert set(recap) == {
        (release, source) for release in ("bookworm", "trixie") for source in ("list", "sources")
    }, output
    print(f"\ndefault scenario, four hosts: {time.monotonic() - started:.0f} s")
