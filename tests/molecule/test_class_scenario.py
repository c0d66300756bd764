"""The Molecule `class` scenario: playbooks/lab.yml on a mixed class, one fresh Debian 12 host and
one fresh Debian 13 host, at once.

Converge (Docker from the stand-in, each release's own engine, the lab image from the offline
archive, the experiment, reports and the class summary), a second converge that must change
nothing, and verify.yml (each host is its release, with its engine, and its report matches what
that host predicts; the summary lists both), then
playbooks/reset.yml as a side effect (the lab's traces gone, Docker kept). The wall time of
each step is printed (`pytest -s` shows it): the class converge figures in the README come from
here.
"""

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
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")


def molecule(step: str) -> tuple[str, float]:
    # Molecule calls ansible-config and ansible-playbook: the venv's must come first.
    env = {
        **os.environ,
        "PATH": f"{VENV_BIN}:{os.environ['PATH']}",
        "ANSIBLE_NOCOLOR": "1",
        "NO_COLOR": "1",
    }
    started = time.monotonic()
    result = subprocess.run(
        [str(VENV_BIN / "molecule"), step, "-s", "class"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.monotonic() - started
    output = ANSI_ESCAPE.sub("", result.stdout + result.stderr)
    assert result.returncode == 0, f"molecule {step} -s class failed:\n{output}"
    return output, seconds


def test_class_scenario_converges_a_mixed_class(testbed: Testbed) -> None:
    molecule("destroy")
    try:
        molecule("create")
        _, first = molecule("converge")
        output, again = molecule("idempotence")
        assert "idempotence: Executed: Successful" in output, output
        molecule("verify")
        # side_effect.yml: playbooks/reset.yml, then a check that only Docker is left.
        molecule("side-effect")
    finally:
        molecule("destroy")
    print(
        f"\nclass scenario, Debian 12 + Debian 13 host: converge {first:.0f} s, "
        f"idempotent re-run {again:.0f} s"
    )
