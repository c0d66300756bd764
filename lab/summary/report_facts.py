"""What the summary needs from one host's report.json: Docker's version, mismatches, namespaces."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lab.report.model import Report, ScenarioResult
from lab.summary.model import NamespaceCell, Verdict


class UnreadableReport(ValueError):
    """The file is not a report this summary understands."""


@dataclass(frozen=True)
class ReportFacts:
    docker_version: str | None
    mismatches: tuple[str, ...]
    namespaces: tuple[NamespaceCell, ...]

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
        namespaces=namespace_cells(report),
    )


def namespace_cells(report: Report) -> tuple[NamespaceCell, ...]:
    """The course note's experiment (baseline) when the host ran it, else its first scenario."""
    scenario: ScenarioResult | None = next(
        (s for s in report.scenarios if s.name == "baseline"),
        report.scenarios[0] if report.scenarios else None,
    )
    if scenario is None:
        return ()
    return tuple(
        NamespaceCell(
            name=row.name,
            isolated=row.observed.isolated if row.observed else None,
            shares_host=(
                row.observed.container1_shares_host or row.observed.container2_shares_host
                if row.observed
                else None
            ),
            matched=row.match,
        )
        # pid_for_children and time_for_children repeat pid and time.
        for row in scenario.namespaces
        if not row.name.endswith("_for_children")
    )
