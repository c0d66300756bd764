"""`molecule ...` run the way an Ansible engineer types it in the checkout: from the project
directory, the venv activated (its bin first on PATH), and none of the test bed's settings
exported: the scenarios bring up (or reuse) the test bed themselves.

Only a user's own choice of test bed passes through (README: NSLAB_TESTBED_NAME, NSLAB_CACHE,
NSLAB_DEBIAN_MIRROR): with it, two checkouts on one machine keep their Molecule hosts apart.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
USER_SETTINGS = ("NSLAB_TESTBED_NAME", "NSLAB_CACHE", "NSLAB_DEBIAN_MIRROR")
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")
# profile_tasks' last banner of a playbook run: "... (0:00:00.497)       0:01:09.855 ****".
PLAYBOOK_TOTAL = re.compile(r"TASKS RECAP \**\n.*\)\s+(\d+):(\d\d):(\d\d(?:\.\d+)?)")


@dataclass(frozen=True)
class MoleculeRun:
    output: str  # stdout and stderr interleaved as a terminal shows them, colours removed
    seconds: float

    def action(self, scenario: str, action: str) -> str:
        """The part of the output one action of one scenario printed."""
        marker = f"[{scenario} > {action}]"
        start = self.output.index(f"{marker} Executing")
        return self.output[start : self.output.index(f"{marker} Executed", start)]

    def playbook_seconds(self, scenario: str, action: str) -> float:
        """How long the action's playbook ran, as Ansible's profile_tasks measured it."""
        hours, minutes, seconds = PLAYBOOK_TOTAL.findall(self.action(scenario, action))[-1]
        return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def user_env(**settings: str) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("NSLAB_") or name in USER_SETTINGS
    }
    # Plain text, so the test can read Molecule's and Ansible's reports.
    return {
        **env,
        "PATH": f"{VENV_BIN}:{env['PATH']}",
        "NO_COLOR": "1",
        "ANSIBLE_NOCOLOR": "1",
        **settings,
    }


def molecule(*args: str, expect_failure: bool = False, **settings: str) -> MoleculeRun:
    """`molecule ARGS` as typed (with the user's own `settings` exported, if any); fails the test
    with the whole output unless it succeeds, or with `expect_failure` unless it fails."""
    started = time.monotonic()
    result = subprocess.run(
        ["molecule", *args],
        cwd=PROJECT_DIR,
        env=user_env(**settings),
        # Molecule logs its steps to stderr, Ansible reports to stdout: one stream keeps each
        # step's report inside its step.
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
    )
    seconds = time.monotonic() - started
    run = MoleculeRun(ANSI_ESCAPE.sub("", result.stdout), seconds)
    succeeded = result.returncode == 0
    outcome = "succeeded" if succeeded else "failed"
    assert succeeded != expect_failure, f"molecule {' '.join(args)} {outcome}:\n{run.output}"
    return run
