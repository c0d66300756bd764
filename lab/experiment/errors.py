"""Experiment errors a person can act on (printed by the CLI without a traceback)."""

from __future__ import annotations

import signal

from lab.errors import LabError


class EnvironmentProblem(LabError):
    """No Docker, not root, image unavailable: exit 2 with what to do."""

    exit_code = 2


class Interrupted(LabError):
    """Ctrl-C or SIGTERM mid-run. The run's containers are removed before this reaches the CLI."""

    def __init__(self, signum: int) -> None:
        super().__init__(
            f"interrupted by {signal.Signals(signum).name}; this run's containers were removed"
        )
        # The shell convention for "killed by signal N", so callers can tell it from a mismatch.
        self.exit_code = 128 + signum
