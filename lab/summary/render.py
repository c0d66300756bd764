"""The summary rendered three ways: a self-contained HTML page, JSON and CSV (pure functions)."""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Sequence
from urllib.parse import quote

from lab.summary.model import SUMMARY_SCHEMA, SUMMARY_SCHEMA_VERSION, HostRow

CSV_COLUMNS = (
    "host",
    "student_id",
    "status",
    "reason",
    "os_release",
    "docker_source",
    "docker_installed",
    "docker_version",
    "verdict",
    "mismatch_count",
    "mismatches",
    "report",
)


def row_record(row: HostRow) -> dict[str, object]:
    return {
        "host": row.host,
        "student_id": row.student_id,
        "status": row.status,
        "reason": row.reason,
        "os_release": row.os_release,
        "docker_source": row.docker_source,
        "docker_installed": row.docker_installed,
        "docker_version": row.docker_version,
        "verdict": row.verdict,
        "mismatch_count": len(row.mismatches),
        "mismatches": list(row.mismatches),
        "report": row.report_link,
    }


def render_json(rows: Sequence[HostRow], generated_at: str, counts: dict[str, int]) -> str:
    document = {
        "schema": SUMMARY_SCHEMA,
        "schema_version": SUMMARY_SCHEMA_VERSION,
        "generated_at": generated_at,
        "counts": counts,
        "hosts": [row_record(row) for row in rows],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def render_csv(rows: Sequence[HostRow]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        record = row_record(row)
        # Spreadsheets and LMS imports want one flat cell per field.
        record["mismatches"] = "; ".join(row.mismatches)
        record["docker_installed"] = "yes" if row.docker_installed else "no"
        writer.writerow({key: "" if value is None else value for key, value in record.items()})
    return buffer.getvalue()


def render_text(rows: Sequence[HostRow]) -> str:
    """A plain table for terminals: the same columns a teacher scans on the page."""
    header = ("HOST", "STUDENT", "STATUS", "DOCKER", "VERDICT", "DETAIL")
    lines = [header] + [
        (
            row.host,
            row.student_id or "-",
            row.status,
            row.docker_version or "-",
            row.verdict,
            ", ".join(row.mismatches) or row.reason or "-",
        )
        for row in rows
    ]
    # The last column is free text: pad the others, leave it ragged.
    widths = [max(len(line[i]) for line in lines) for i in range(len(header) - 1)]
    padded = (
        [*(cell.ljust(width) for cell, width in zip(line[:-1], widths, strict=True)), line[-1]]
        for line in lines
    )
    return "\n".join("  ".join(cells).rstrip() for cells in padded)


_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #1d2329; }
h1 { font-size: 1.5rem; margin-bottom: .25rem; }
p.meta { color: #5a6570; margin-top: 0; }
ul.counts { list-style: none; padding: 0; display: flex; gap: 1rem; flex-wrap: wrap; }
ul.counts li { border: 1px solid #d0d7de; border-radius: 6px; padding: .4rem .8rem; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid #d0d7de; padding: .45rem .6rem; text-align: left;
         vertical-align: top; }
th { background: #f3f5f7; }
.badge { display: inline-block; border-radius: 1em; padding: .05rem .6rem; font-size: .85rem;
         font-weight: 600; }
.ok, .matched { background: #dafbe1; color: #116329; }
.failed, .mismatches { background: #ffebe9; color: #a40e26; }
.unreachable, .unknown, .no-report { background: #fff8c5; color: #7d4e00; }
td.reason { color: #5a6570; max-width: 32rem; white-space: pre-wrap; }
"""


def render_html(rows: Sequence[HostRow], generated_at: str, counts: dict[str, int]) -> str:
    body_rows = "\n".join(_html_row(row) for row in rows) or (
        '<tr><td colspan="9">No host reports yet: run playbooks/lab.yml first.</td></tr>'
    )
    count_items = "".join(
        f"<li>{html.escape(name)}: <strong>{value}</strong></li>" for name, value in counts.items()
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>nslab class summary</title>
<style>{_STYLE}</style>
</head>
<body>
<h1>nslab class summary</h1>
<p class="meta">Generated {html.escape(generated_at)}</p>
<ul class="counts">{count_items}</ul>
<table>
<thead><tr><th>Student</th><th>Host</th><th>Status</th><th>Release</th><th>Docker from</th>
<th>Docker</th><th>Verdict</th>
<th>Mismatches / reason</th><th>Report</th></tr></thead>
<tbody>
{body_rows}
</tbody>
</table>
</body>
</html>
"""


def _html_row(row: HostRow) -> str:
    docker = html.escape(row.docker_version) if row.docker_version else "not installed / unknown"
    detail = ", ".join(row.mismatches) if row.mismatches else row.reason
    link = (
        f'<a href="{html.escape(quote(row.report_link))}">full report</a>'
        if row.report_link
        else "&mdash;"
    )
    return (
        f'<tr data-host="{html.escape(row.host)}">'
        f"<td>{html.escape(row.student_id or '—')}</td>"
        f"<td>{html.escape(row.host)}</td>"
        f"<td>{_badge(row.status)}</td>"
        f"<td>{html.escape(row.os_release or '—')}</td>"
        f"<td>{html.escape(row.docker_source or '—')}</td>"
        f"<td>{docker}</td>"
        f"<td>{_badge(row.verdict)}</td>"
        f'<td class="reason">{html.escape(detail)}</td>'
        f"<td>{link}</td></tr>"
    )


def _badge(value: str) -> str:
    css_class = value.replace(" ", "-")
    return f'<span class="badge {css_class}">{html.escape(value)}</span>'
