"""What systemd says about a unit: read by the role's probe and by its service step."""

from __future__ import annotations

import subprocess


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
