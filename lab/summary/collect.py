"""Reading a reports directory: one sub-directory per host, as the namespace_lab role fetches it.

    reports/<host>/report.json   the experiment's report (lab.report's JSON schema), as fetched
    reports/<host>/report.html   the same report rendered for people (linked from the summary)
    reports/<host>/report.md     and for Markdown readers; both rendered here, on the controller,
                                 from the checked report.json (host_pages.py): a host's own page
                                 is never fetched nor shown
    reports/<host>/status.json   how the last run ended for the host:
                                 {"host", "status": ok|failed|unreachable, "reason", "student_id",
                                  "os": {"distribution", "version", "codename"}, "docker_source",
                                  "report_sha1": the report.json this run fetched}

The summary covers the hosts of one run: folders of hosts from earlier runs stay on disk but are
not counted. An outcome passed by the caller (e.g. from ansible-runner events) wins over a status
file.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from lab.provision.secrets import redact_url_userinfo
from lab.summary.model import HOST_STATUSES, SUMMARY_SCHEMA, HostOutcome, HostRow
from lab.summary.report_facts import (
    InvalidHostReport,
    ReportFacts,
    UnreadableReport,
    read_report,
    report_facts,
)
from lab.untrusted import host_name_problem

REPORT_JSON = "report.json"
REPORT_HTML = "report.html"
STATUS_JSON = "status.json"
SUMMARY_JSON = "summary.json"


def collect_rows(
    reports_dir: Path,
    hosts: Collection[str] | None = None,
    outcomes: Mapping[str, HostOutcome] | None = None,
) -> tuple[HostRow, ...]:
    """One row per host of the run: `hosts`, else the hosts of `outcomes`, else those of the last
    summary still on disk (a rebuild after some were reset), else every host folder."""
    outcomes = outcomes or {}
    rows = (
        _row(reports_dir, host, outcomes.get(host))
        for host in _run_hosts(reports_dir, hosts, outcomes)
    )
    return tuple(sorted(rows, key=lambda row: (row.student_id or "", row.host)))


def _run_hosts(
    reports_dir: Path, hosts: Collection[str] | None, outcomes: Mapping[str, HostOutcome]
) -> set[str]:
    if hosts:
        return set(hosts)
    if outcomes:
        return set(outcomes)
    last_run = _last_run_hosts(reports_dir)
    return _host_folders(reports_dir) if last_run is None else last_run


def _host_folders(reports_dir: Path) -> set[str]:
    return {
        entry.name
        for entry in reports_dir.iterdir()
        if entry.is_dir() and ((entry / REPORT_JSON).is_file() or (entry / STATUS_JSON).is_file())
    }


def _last_run_hosts(reports_dir: Path) -> set[str] | None:
    """The hosts the previous summary listed whose folders are still there (None: no summary)."""
    try:
        document = _read_json(reports_dir / SUMMARY_JSON)
    except UnreadableReport:
        return None
    if document.get("schema") != SUMMARY_SCHEMA:
        return None
    listed = {str(row.get("host")) for row in document.get("hosts") or [] if isinstance(row, dict)}
    return {host for host in listed if (reports_dir / host).is_dir()}


def _row(reports_dir: Path, host: str, given: HostOutcome | None) -> HostRow:
    problem = host_name_problem(host)
    if problem:
        # Preflight stops a run on such a name; a summary rebuilt by hand must not follow it either.
        return unusable_row(host, f"the host name {host!r} {problem}; no path is made from it")
    host_dir = reports_dir / host
    recorded = _read_status(host_dir / STATUS_JSON, host)
    report_path = host_dir / REPORT_JSON
    # A report without a status file (copied by hand, or an older layout) ran to the end.
    outcome = given or recorded or HostOutcome(host, "ok" if report_path.is_file() else "unknown")

    facts: ReportFacts | None = None
    status, reason = outcome.status, outcome.reason
    if status == "ok":
        fetched = recorded.report_sha1 if recorded else None
        try:
            if report_path.is_file() and _is_this_runs(report_path, fetched):
                facts = report_facts(read_report(report_path))
        except InvalidHostReport as error:
            reason = invalid_report_reason(host, error)
        except UnreadableReport as error:
            reason = f"{REPORT_JSON} unreadable: {error}"
        if facts is None:
            # Finished, yet nothing to show: the run did not do its job for this host.
            status = "failed"
            reason = reason or f"the run finished but no {REPORT_JSON} was fetched to {host_dir}"

    docker_source = outcome.docker_source or (recorded.docker_source if recorded else None)
    return HostRow(
        host=host,
        student_id=outcome.student_id or (recorded.student_id if recorded else None),
        status=status,
        # Failure messages quote URLs: none reaches the summary with its password.
        reason=redact_url_userinfo(reason),
        os_release=outcome.os_release or (recorded.os_release if recorded else None),
        docker_source=redact_url_userinfo(docker_source) if docker_source else None,
        docker_version=facts.docker_version if facts else None,
        verdict=facts.verdict if facts else "no report",
        mismatches=facts.mismatches if facts else (),
        report_link=f"{host}/{REPORT_HTML}" if facts else None,
        namespaces=facts.namespaces if facts else (),
    )


def _is_this_runs(report_path: Path, fetched_sha1: str | None) -> bool:
    """Whether the report is the one the run fetched, as the status file records it: "" when the
    run fetched none, an earlier run's report being what is left there."""
    if fetched_sha1 is None:
        return True  # no record of the fetch (a report copied by hand, an older layout)
    return hashlib.sha1(report_path.read_bytes()).hexdigest() == fetched_sha1


def invalid_report_reason(host: str, error: Exception) -> str:
    return f"invalid report from {host}: {error}"


def unusable_row(host: str, reason: str) -> HostRow:
    """The row of a host whose report cannot be shown: failed, with the reason."""
    return HostRow(
        host=host,
        student_id=None,
        status="failed",
        reason=reason,
        os_release=None,
        docker_source=None,
        docker_version=None,
        verdict="no report",
        mismatches=(),
        report_link=None,
    )


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
    return HostOutcome(
        host=host,
        status=status,
        reason=str(data.get("reason") or ""),
        student_id=_text(data.get("student_id")),
        os_release=_os_release(data.get("os")),
        docker_source=_text(data.get("docker_source")),
        report_sha1=str(data["report_sha1"]) if "report_sha1" in data else None,
    )


def _os_release(facts: object) -> str | None:
    """ "Debian 12.11 (bookworm)" from the distribution facts the playbook recorded."""
    if not isinstance(facts, dict):
        return None
    name = " ".join(filter(None, (_text(facts.get("distribution")), _text(facts.get("version")))))
    codename = _text(facts.get("codename"))
    return (f"{name} ({codename})" if codename else name) or None


def _text(value: object) -> str | None:
    return str(value) if value not in (None, "") else None


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise UnreadableReport(str(error)) from error
    if not isinstance(data, dict):
        raise UnreadableReport(f"{path.name} is not a JSON object")
    return data
