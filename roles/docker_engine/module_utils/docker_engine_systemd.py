"""What systemd says about a unit, and the engine brought to answering: read by the role's probe,
used by its service step and by step 4 (whose packages just started the engine)."""

from __future__ import annotations

import subprocess
import time


def unit_state(unit: str) -> dict[str, str]:
    """UnitFileState (enabled, disabled, ... ; "" when the unit is not installed) and ActiveState,
    from one `systemctl show`; {} on a host without systemctl."""
    try:
        result = subprocess.run(
            ["systemctl", "show", unit, "--property=UnitFileState,ActiveState"],
            capture_output=True,
            text=True,
            check=False,
        )
    except FileNotFoundError:
        return {}
    return dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)


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
    what the command printed)."""
    enable, start = start_needed(unit)
    try:
        if enable:
            _systemctl("enable", unit)
        if start:
            _systemctl("start", unit)
    except RuntimeError as error:
        raise NotAnswering(f"{error} (see journalctl -u {unit})", enable or start) from None
    deadline = time.monotonic() + wait_seconds
    while True:
        result = subprocess.run(wait_command, capture_output=True, text=True, check=False)
        if result.returncode == 0:
            return enable or start, result.stdout.strip()
        if time.monotonic() >= deadline:
            raise NotAnswering(
                f"{' '.join(wait_command)} still fails after {wait_seconds} s: "
                f"{result.stderr.strip()} (see journalctl -u {unit})",
                enable or start,
            )
        time.sleep(1)


def _systemctl(*argv: str) -> None:
    result = subprocess.run(["systemctl", *argv], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"systemctl {' '.join(argv)} failed: {result.stderr.strip()}")
