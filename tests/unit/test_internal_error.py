"""A crash of `python3 -m lab` is never read as the experiment's "mismatches" (exit 1)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

LAB = Path(__file__).resolve().parents[2] / "lab"


def test_an_unexpected_error_exits_3_with_its_traceback(tmp_path: Path) -> None:
    broken = tmp_path / "lab"
    shutil.copytree(LAB, broken, ignore=shutil.ignore_patterns("__pycache__", "testing"))
    # As a host would see a package shipped without one of the modules the CLI needs.
    (broken / "experiment" / "command.py").unlink()

    result = subprocess.run(
        [sys.executable, "-m", "lab", "experiment"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 3
    assert "ModuleNotFoundError" in result.stderr
    assert "internal error" in result.stderr.splitlines()[-1]


def test_usage_errors_keep_argparse_exit_2(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "lab", "no-such-command"],
        cwd=LAB.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
