"""Each host's page, rendered on the controller from its checked report.json.

The host's own report.html is not fetched: a student is root on their machine and could make it
say anything, scripts included, and the instructor opens it from the class page. The page the
summary links is lab.report's rendering of the report that passed the schema, written next to it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

from lab.report.files import write_whole
from lab.report.html import render_html
from lab.report.markdown import render_markdown
from lab.summary.collect import REPORT_HTML, REPORT_JSON, invalid_report_reason
from lab.summary.model import HostRow
from lab.summary.report_facts import UnreadableReport, read_report
from lab.untrusted import host_name_problem

REPORT_MD = "report.md"


def write_host_pages(reports_dir: Path, rows: Sequence[HostRow], lang: str) -> tuple[HostRow, ...]:
    """report.html and report.md for every row with a report; the rows, with those whose report
    could not be rendered turned into failures. Pages of rows without a report are removed: what
    is left in a host's folder is never an earlier run's (or a host's own) page."""
    return tuple(
        row if host_name_problem(row.host) else _write_pages(reports_dir / row.host, row, lang)
        for row in rows
    )


def _write_pages(host_dir: Path, row: HostRow, lang: str) -> HostRow:
    if row.report_link is not None:
        try:
            report = read_report(host_dir / REPORT_JSON)
            pages = {
                REPORT_HTML: render_html(report, lang),
                REPORT_MD: render_markdown(report, lang),
            }
        except (UnreadableReport, KeyError, TypeError, ValueError) as error:
            # Valid by the schema, yet not renderable (a reason code this nslab does not know).
            row = dataclasses.replace(
                row,
                status="failed",
                reason=invalid_report_reason(row.host, error),
                verdict="no report",
                mismatches=(),
                docker_version=None,
                report_link=None,
                namespaces=(),
            )
        else:
            for name, text in pages.items():
                write_whole(host_dir / name, text)
            return row
    if host_dir.is_dir():
        for name in (REPORT_HTML, REPORT_MD):
            (host_dir / name).unlink(missing_ok=True)
    return row
