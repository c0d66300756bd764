"""What systemd says about a unit, and the engine brought to answering: read by the role's probe,
used by its service step and by step 4 (whose packages just started the engine)."""

from __future__ import annotations

import subprocess
import time


def unit_state(unit: str) -> dict[str, str]:
    """UnitFileState (enabled, disabled, ... ; "" when the unit is not installed) and ActiveState,
    from one `systemctl show`; {} on a host without systemctl."""
    return unit_state_of(unit, ["UnitFileState", "ActiveState"])


def start_needed(unit: str) -> tuple[bool, bool]:
    """(not enabled at boot, not running), as systemd says."""
    state = unit_state(unit)
    return state.get("UnitFileState") != "enabled", state.get("ActiveState") != "active"


class NotAnswering(Exception):
    """The unit would not start, or the command never answered; `changed` if it was touched."""

    def __init__(self, message: str, changed: bool) -> None:
        super().__init__(message)
        self.changed = changed


def start_and_wait(unit: str, wait_command: list[str], wait_seconds: int) -> tuple[bool, str]:
    """Enable and start `unit` where systemd says it is not, then run `wait_command` once a second
    until it succeeds or `wait_seconds` pass. Returns (whether the unit was enabled or started,
    what the command printed).

    Every wait is bounded by `wait_seconds`: docker.service has TimeoutStartSec=0, so a dockerd
    that never reports ready would hold a blocking `systemctl start` (and a class run) forever,
    and a wedged dockerd holds `docker info` just as long. The start is queued (--no-block) and
    each try of the command gets what is left of the time."""
    enable, start = start_needed(unit)
    touched = enable or start
    deadline = time.monotonic() + wait_seconds
    try:
        if enable:
            systemctl("enable", unit, seconds=wait_seconds)
        if start:
            systemctl("start", "--no-block", unit, seconds=wait_seconds)
    except RuntimeError as error:
        raise NotAnswering(f"{error} (see journalctl -u {unit})", touched) from None
    while True:
        left = max(1.0, deadline - time.monotonic())
        try:
            result = subprocess.run(
                wait_command, capture_output=True, text=True, check=False, timeout=left
            )
            if result.returncode == 0:
                return touched, result.stdout.strip()
            said = result.stderr.strip()
        except subprocess.TimeoutExpired:
            said = "it did not return"
        if time.monotonic() >= deadline:
            state = unit_state_of(unit, ["ActiveState", "SubState"])
            raise NotAnswering(
                f"{unit} did not answer within {wait_seconds} s (docker_engine_start_timeout): "
                f"{' '.join(wait_command)} still fails: {said}; systemd says "
                f"{'/'.join(state.values()) or 'nothing'} (see journalctl -u {unit})",
                touched,
            )
        time.sleep(1)


def unit_state_of(unit: str, properties: list[str]) -> dict[str, str]:
    """The named properties from one bounded `systemctl show` ({} if systemd does not answer)."""
    try:
        result = subprocess.run(
            ["systemctl", "show", unit, f"--property={','.join(properties)}"],
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )
    except (FileNotFoundError, subprocess.TimeoutExpired):
        return {}
    return dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)


def systemctl(*argv: str, seconds: float) -> None:
    """`systemctl argv`, stopped with a message naming it after `seconds`."""
    try:
        result = subprocess.run(
            ["systemctl", *argv], capture_output=True, text=True, check=False, timeout=seconds
        )
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"systemctl {' '.join(argv)} did not return within {seconds} s") from None
    if result.returncode != 0:
        raise RuntimeError(f"systemctl {' '.join(argv)} failed: {result.stderr.strip()}")
