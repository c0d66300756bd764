"""write_class_summary: read every host's report, write index.html, summary.json, summary.csv."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import UTC, datetime
from pathlib import Path

from lab.errors import LabError
from lab.report.files import write_whole
from lab.summary.collect import collect_rows
from lab.summary.host_pages import write_host_pages
from lab.summary.model import ClassSummary, HostOutcome, count_rows
from lab.summary.render import render_csv, render_html, render_json
from lab.summary.students import students_of


class ReportsDirMissing(LabError):
    pass


def write_class_summary(
    reports_dir: Path,
    outcomes: Mapping[str, HostOutcome] | None = None,
    lang: str = "en",
    *,
    hosts: Collection[str] | None = None,
) -> ClassSummary:
    """Write the class summary of one run in `reports_dir`: the run's `hosts` (or those of
    `outcomes`; with neither, the hosts of the summary already there) with their reports."""
    reports_dir = Path(reports_dir)
    if not reports_dir.is_dir():
        raise ReportsDirMissing(
            f"no reports directory at {reports_dir}: run playbooks/lab.yml (or nslab provision) "
            "first, or point --reports-dir at the directory holding one folder per host"
        )
    rows = write_host_pages(reports_dir, collect_rows(reports_dir, hosts, outcomes), lang)
    generated_at = datetime.now(UTC).isoformat(timespec="seconds")
    counts = count_rows(rows)
    students = students_of(reports_dir, [row.host for row in rows])
    summary = ClassSummary(
        generated_at=generated_at,
        rows=rows,
        index_html=reports_dir / "index.html",
        summary_json=reports_dir / "summary.json",
        summary_csv=reports_dir / "summary.csv",
        students=students,
    )
    write_whole(summary.summary_json, render_json(rows, generated_at, counts, students))
    # utf-8-sig: spreadsheet programs then read student names in any script correctly.
    write_whole(summary.summary_csv, render_csv(rows, students), encoding="utf-8-sig")
    write_whole(summary.index_html, render_html(rows, generated_at, counts, lang, students))
    return summary
