"""Fixtures of the integration tests that run the playbooks with their default reports/."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playbook_runs import PROJECT_DIR


@pytest.fixture(scope="module")
def project_reports() -> Iterator[Path]:
    """The project's reports/, where the playbooks write unless told otherwise. A developer's own
    reports/ is moved aside for the module and put back afterwards; what the tests wrote goes."""
    reports = PROJECT_DIR / "reports"
    saved = PROJECT_DIR / f".reports-saved-by-tests-{os.getpid()}"
    if reports.exists():
        reports.rename(saved)
    try:
        yield reports
    finally:
        shutil.rmtree(reports, ignore_errors=True)
        if saved.exists():
            saved.rename(reports)
