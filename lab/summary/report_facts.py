"""What the summary needs from one host's report.json: Docker's version, mismatches, namespaces.

The file comes from a host, which is not trusted: it is checked against report.schema.json
before anything is read from it (`read_report`)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lab.report.model import Report, ScenarioResult
from lab.report.validate import InvalidReport, check_report
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


class InvalidHostReport(UnreadableReport):
    """The file is JSON but not a report of the schema: what a broken or hostile host sends."""


def read_report(path: Path) -> Report:
    """The report in `path`, checked against the schema, then parsed with the report's model."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise UnreadableReport(str(error)) from error
    return parse_report(data)


def parse_report(data: Any) -> Report:
    try:
        if not isinstance(data, dict):
            raise InvalidReport("the document is not a JSON object")
        # A newer nslab's report says so, before the schema lists what this one misses in it.
        Report.check_version(data)
        check_report(data)
        return Report.from_dict(data)
    except (InvalidReport, KeyError, TypeError, ValueError) as error:
        raise InvalidHostReport(f"not an nslab report: {error}") from error


def report_facts(data: Mapping[str, Any] | Report) -> ReportFacts:
    """The summary's facts of a report (a Report, or a document checked and parsed first)."""
    report = data if isinstance(data, Report) else parse_report(data)
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
