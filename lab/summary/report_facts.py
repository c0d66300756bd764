"""What the summary needs from one host's report.json: Docker's version and the mismatches."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lab.report.model import Report
from lab.summary.model import Verdict


class UnreadableReport(ValueError):
    """The file is not a report this summary understands."""


@dataclass(frozen=True)
class ReportFacts:
    docker_version: str | None
    mismatches: tuple[str, ...]

    @property
    def verdict(self) -> Verdict:
        return "mismatches" if self.mismatches else "matched"


def report_facts(data: Mapping[str, Any]) -> ReportFacts:
    """Parsed with the report's own model, so its schema check and derived fields apply here too."""
    try:
        report = Report.from_dict(dict(data))
    except (KeyError, TypeError, ValueError) as error:
        raise UnreadableReport(f"not an nslab report ({type(error).__name__}: {error})") from error
    return ReportFacts(
        docker_version=report.fingerprint.docker.server_version or None,
        mismatches=tuple(report.mismatches),
    )
