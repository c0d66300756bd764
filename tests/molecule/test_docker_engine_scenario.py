"""The Molecule `default` scenario: docker_engine converges on a fresh Debian 12 host against
the stand-in repository, is idempotent, and verify.yml proves the engine on the host."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from lab.testing import Testbed

pytestmark = pytest.mark.molecule

PROJECT_DIR = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


def test_default_scenario_passes(testbed: Testbed) -> None:
    # Molecule calls ansible-config and ansible-playbook: the venv's must come first.
    env = {**os.environ, "PATH": f"{VENV_BIN}:{os.environ['PATH']}", "NO_COLOR": "1"}
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
