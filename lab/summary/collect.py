"""Reading a reports directory: one sub-directory per host, as the namespace_lab role fetches it.

    reports/<host>/report.json   the experiment's report (lab.report's JSON schema)
    reports/<host>/report.html   the same report rendered for people (linked from the summary)
    reports/<host>/status.json   how the last run ended for the host:
                                 {"host", "status": ok|failed|unreachable, "reason", "student_id"}

An outcome passed by the caller (e.g. from ansible-runner events) wins over a status file.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lab.summary.model import HOST_STATUSES, HostOutcome, HostRow
from lab.summary.report_facts import ReportFacts, UnreadableReport, report_facts

REPORT_JSON = "report.json"
REPORT_HTML = "report.html"
STATUS_JSON = "status.json"


def collect_rows(
    reports_dir: Path, outcomes: Mapping[str, HostOutcome] | None = None
) -> tuple[HostRow, ...]:
    outcomes = outcomes or {}
    hosts = set(outcomes) | {
        entry.name
        for entry in reports_dir.iterdir()
        if entry.is_dir() and ((entry / REPORT_JSON).is_file() or (entry / STATUS_JSON).is_file())
    }
    rows = (_row(reports_dir, host, outcomes.get(host)) for host in hosts)
    return tuple(sorted(rows, key=lambda row: (row.student_id or "", row.host)))


def _row(reports_dir: Path, host: str, given: HostOutcome | None) -> HostRow:
    host_dir = reports_dir / host
    recorded = _read_status(host_dir / STATUS_JSON, host)
    report_path = host_dir / REPORT_JSON
    # A report without a status file (copied by hand, or an older layout) ran to the end.
    outcome = given or recorded or HostOutcome(host, "ok" if report_path.is_file() else "unknown")
    student_id = outcome.student_id or (recorded.student_id if recorded else None)

    facts: ReportFacts | None = None
    reason = outcome.reason
    if outcome.status == "ok":
        try:
            facts = report_facts(_read_json(report_path)) if report_path.is_file() else None
        except UnreadableReport as error:
            reason = f"{REPORT_JSON} unreadable: {error}"
        if facts is None and not reason:
            reason = f"the run finished but no {REPORT_JSON} was fetched"

    return HostRow(
        host=host,
        student_id=student_id,
        status=outcome.status,
        reason=reason,
        docker_version=facts.docker_version if facts else None,
        verdict=facts.verdict if facts else "no report",
        mismatches=facts.mismatches if facts else (),
        report_link=_report_link(host_dir, host) if facts else None,
        namespaces=facts.namespaces if facts else (),
    )


def _report_link(host_dir: Path, host: str) -> str:
    name = REPORT_HTML if (host_dir / REPORT_HTML).is_file() else REPORT_JSON
    return f"{host}/{name}"


def _read_status(path: Path, host: str) -> HostOutcome | None:
    if not path.is_file():
        return None
    try:
        data = _read_json(path)
    except UnreadableReport as error:
        return HostOutcome(host, "unknown", f"{STATUS_JSON} unreadable: {error}")
    status = data.get("status")
    if status not in HOST_STATUSES:
        return HostOutcome(host, "unknown", f"{STATUS_JSON} has no valid status: {status!r}")
    student_id = data.get("student_id")
    return HostOutcome(
        host=host,
        status=status,
        reason=str(data.get("reason") or ""),
        student_id=str(student_id) if student_id not in (None, "") else None,
    )


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise UnreadableReport(str(error)) from error
    if not isinstance(data, dict):
        raise UnreadableReport(f"{path.name} is not a JSON object")
    return data
