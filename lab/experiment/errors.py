"""Experiment errors a person can act on (printed by the CLI without a traceback)."""

from __future__ import annotations

import signal

from lab.errors import LabError


class EnvironmentProblem(LabError):
    """No Docker, not root, image unavailable: exit 2 with what to do."""

    exit_code = 2


# What to do about the refusals a class meets, keyed by a phrase of Docker's own message.
_ENGINE_FIXES = (
    (
        "DOCKER_ALLOW_IPV6_ON_IPV4_INTERFACE",
        "set DOCKER_ALLOW_IPV6_ON_IPV4_INTERFACE=1 in docker.service's environment (nslab's "
        "docker_engine role: docker_engine_service_environment) or turn IPv6 on in this host, "
        "then run again",
    ),
    (
        "apparmor_parser",
        "install AppArmor (apt install apparmor), restart Docker (systemctl restart docker), "
        "then run again",
    ),
)


def engine_refused(role: str, explanation: str) -> EnvironmentProblem:
    """Docker would not start one of the containers: its reason and what to do, on one line."""
    reason = " ".join(explanation.split()).rstrip(".")
    fix = next(
        (fix for phrase, fix in _ENGINE_FIXES if phrase in reason),
        "fix the engine (journalctl -u docker shows its log), then run again",
    )
    return EnvironmentProblem(f"Docker refused to start {role}: {reason}. To fix: {fix}")


class Interrupted(LabError):
    """Ctrl-C or SIGTERM mid-run. The run's containers are removed before this reaches the CLI."""

    def __init__(self, signum: int) -> None:
        super().__init__(
            f"interrupted by {signal.Signals(signum).name}; this run's containers were removed"
        )
        # The shell convention for "killed by signal N", so callers can tell it from a mismatch.
        self.exit_code = 128 + signum
