"""Lint is part of the tests: each linter the project promises to be clean under."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent

LINTERS = {
    "ansible-lint": ["ansible-lint", "--offline", "--profile", "production"],
    "yamllint": ["yamllint", "--strict", "."],
    "ruff check": ["ruff", "check", "lab", "tests", "bench"],
    "ruff format": ["ruff", "format", "--check", "lab", "tests", "bench"],
}


@pytest.mark.parametrize("command", LINTERS.values(), ids=LINTERS.keys())
def test_linter_is_clean(command: list[str]) -> None:
    result = subprocess.run(
        [str(VENV_BIN / command[0]), *command[1:]],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        env={"PATH": f"{VENV_BIN}:/usr/bin:/bin", "HOME": str(Path.home())},
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
