"""Errors a user can fix: the CLI prints their message and exits with their code, no traceback."""

from __future__ import annotations


class LabError(Exception):
    exit_code: int = 2
