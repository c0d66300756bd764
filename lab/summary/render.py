"""The summary rendered for people (a self-contained HTML page, a terminal table) and for
programs (JSON, CSV); pure functions."""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Sequence
from urllib.parse import quote

from lab.report.terminal import display_width
from lab.summary.messages import summary_ui
from lab.summary.model import SUMMARY_SCHEMA, SUMMARY_SCHEMA_VERSION, HostRow, NamespaceCell
from lab.summary.students import HostStudents, StudentWork
from lab.summary.students_render import (
    STUDENT_CSV_COLUMNS,
    student_csv_cells,
    students_html,
    students_json,
)
from lab.untrusted import for_spreadsheet, for_terminal

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
    # One row per student per host (a host without students keeps one row, these cells empty).
    *STUDENT_CSV_COLUMNS,
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


def render_json(
    rows: Sequence[HostRow],
    generated_at: str,
    counts: dict[str, int],
    students: Sequence[HostStudents] = (),
) -> str:
    document = {
        "schema": SUMMARY_SCHEMA,
        "schema_version": SUMMARY_SCHEMA_VERSION,
        "generated_at": generated_at,
        "counts": counts,
        "hosts": [row_record(row) for row in rows],
        "students_work": students_json(students),
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def render_csv(rows: Sequence[HostRow], students: Sequence[HostStudents] = ()) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    by_host = {each.host: each.students for each in students}
    for row in rows:
        record = row_record(row)
        # Spreadsheets and LMS imports want one flat cell per field.
        record["mismatches"] = "; ".join(row.mismatches)
        record["docker_installed"] = "yes" if row.docker_installed else "no"
        works: Sequence[StudentWork | None] = by_host.get(row.host) or (None,)
        for work in works:
            # Host-made text (a reason, a version, a student's answer or user name) is never a
            # formula in a spreadsheet.
            writer.writerow(
                {
                    key: "" if value is None else for_spreadsheet(str(value))
                    for key, value in (record | student_csv_cells(work)).items()
                }
            )
    return buffer.getvalue()


def render_text(
    rows: Sequence[HostRow], lang: str = "en", students: Sequence[HostStudents] = ()
) -> str:
    """A plain table for terminals: the same columns a teacher scans on the page; then how many
    students' work the summary holds (their detail is the page's)."""
    header = tuple(
        summary_ui(f"text.{key}", lang)
        for key in ("host", "student", "status", "docker", "verdict", "detail")
    )
    lines = [header] + [
        (
            row.host,
            row.student_id or "-",
            summary_ui(f"status.{row.status}", lang),
            row.docker_version or "-",
            summary_ui(f"verdict.{row.verdict}", lang),
            ", ".join(row.mismatches) or row.reason or "-",
        )
        for row in rows
    ]
    # Host-made text reaches the instructor's terminal without its control sequences.
    lines = [tuple(for_terminal(cell) for cell in line) for line in lines]
    # The last column is free text: pad the others, leave it ragged.
    widths = [max(display_width(line[i]) for line in lines) for i in range(len(header) - 1)]
    padded = (
        [
            *(
                cell + " " * (width - display_width(cell))
                for cell, width in zip(line[:-1], widths, strict=True)
            ),
            line[-1],
        ]
        for line in lines
    )
    table = "\n".join("  ".join(cells).rstrip() for cells in padded)
    works = [work for each in students for work in each.students]
    if not works:
        return table
    line = summary_ui(
        "text.students",
        lang,
        students=len(works),
        hosts=sum(bool(each.students) for each in students),
        doubted=sum(work.doubts for work in works),
    )
    return f"{table}\n\n{line}"


_STYLE = """
body { font-family: system-ui, "Noto Sans CJK JP", sans-serif; margin: 2rem; color: #1d2329; }
h1 { font-size: 1.5rem; margin-bottom: .25rem; }
h2 { font-size: 1.2rem; margin-top: 2rem; }
p.meta { color: #5a6570; margin-top: 0; }
ul.counts { list-style: none; padding: 0; display: flex; gap: 1rem; flex-wrap: wrap; }
ul.counts li { border: 1px solid #d0d7de; border-radius: 6px; padding: .4rem .8rem; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid #d0d7de; padding: .45rem .6rem; text-align: left;
         vertical-align: top; }
th { background: #f3f5f7; }
th.sort { cursor: pointer; user-select: none; }
th.sort::after { content: " \\2195"; color: #8a949e; }
th[aria-sort="ascending"]::after { content: " \\2191"; color: #1d2329; }
th[aria-sort="descending"]::after { content: " \\2193"; color: #1d2329; }
.badge { display: inline-block; border-radius: 1em; padding: .05rem .6rem; font-size: .85rem;
         font-weight: 600; white-space: nowrap; }
.ok, .matched { background: #dafbe1; color: #116329; }
.failed, .mismatches { background: #ffebe9; color: #a40e26; }
.unreachable, .unknown, .no-report { background: #fff8c5; color: #7d4e00; }
td.reason { color: #5a6570; max-width: 32rem; white-space: pre-wrap; }
table.matrix td.ns, table.matrix th.ns { text-align: center; }
table.matrix td.ns { white-space: nowrap; font-weight: 600; }
td.isolated, .swatch.isolated { background: #d6e9ff; color: #123f73; }
td.shared, .swatch.shared { background: #ffe2b3; color: #6b4100; }
td.mismatched, .swatch.mismatched { outline: 3px solid #b00020; outline-offset: -3px; }
td.none { color: #8a949e; }
tfoot td { font-size: .8rem; color: #3d4650; background: #f8f9fa; }
tfoot span { display: block; white-space: nowrap; }
table.matrix td:nth-child(-n+2) { white-space: nowrap; }
table.matrix tfoot td.ns { font-weight: 400; }
ul.legend { list-style: none; padding: 0; display: flex; gap: 1.2rem; flex-wrap: wrap;
            font-size: .9rem; }
.swatch { display: inline-block; width: 1.6em; height: 1em; vertical-align: -.15em;
          margin-right: .35em; border: 1px solid #8a949e; }
p.self-reported { color: #5a6570; max-width: 60rem; }
table#students ul { margin: .2rem 0; padding-left: 1.1rem; }
table#students .uid, table#students time { color: #5a6570; font-size: .85rem; }
table#students time { white-space: nowrap; }
table#students q { font-family: ui-monospace, monospace; }
ol.history { font-size: .85rem; padding-left: 1.3rem; }
p.doubt, p.dropped, ul.problems { color: #a40e26; font-size: .85rem; margin: .2rem 0; }
ul.notes { color: #7d4e00; }
@media (max-width: 600px) { body { margin: 1rem; } th, td { padding: .35rem .4rem; } }
@media print {
  body { margin: 0; font-size: 10pt; }
  th.sort::after { content: none; }
  .table-wrap { overflow: visible; }
  thead { display: table-header-group; }
  tr { break-inside: avoid; }
  td, .swatch, .badge { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
  a { color: inherit; text-decoration: none; }
}
"""

# Sorting is an extra: without scripts the tables still read in student order.
_SCRIPT = """
document.querySelectorAll("table.sortable").forEach(function (table) {
  var heads = table.querySelectorAll("thead th");
  heads.forEach(function (th, column) {
    th.classList.add("sort");
    th.tabIndex = 0;
    function sort() {
      var ascending = th.getAttribute("aria-sort") !== "ascending";
      heads.forEach(function (other) { other.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      var body = table.tBodies[0];
      var rows = Array.prototype.filter.call(body.rows, function (row) {
        return row.cells.length === heads.length;
      });
      function key(row) {
        var cell = row.cells[column];
        return cell.getAttribute("data-key") || cell.textContent.trim();
      }
      rows.sort(function (a, b) {
        var order = key(a).localeCompare(key(b), undefined, { numeric: true });
        return ascending ? order : -order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    }
    th.addEventListener("click", sort);
    th.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); sort(); }
    });
  });
});
"""


# The hosts table's columns (message keys of their headers), in the order _html_row fills them.
HOST_COLUMNS = (
    "student",
    "host",
    "status",
    "release",
    "docker_source",
    "docker",
    "verdict",
    "detail",
    "report",
)


def render_html(
    rows: Sequence[HostRow],
    generated_at: str,
    counts: dict[str, int],
    lang: str = "en",
    students: Sequence[HostStudents] = (),
) -> str:
    body_rows = "\n".join(_html_row(row, lang) for row in rows) or (
        f'<tr><td colspan="{len(HOST_COLUMNS)}">{_t("no_hosts", lang)}</td></tr>'
    )
    count_items = "".join(
        f"<li>{_t(f'count.{name}', lang)}: <strong>{value}</strong></li>"
        for name, value in counts.items()
    )
    headers = "".join(f"<th>{_t(key, lang)}</th>" for key in HOST_COLUMNS)
    return f"""<!DOCTYPE html>
<html lang="{html.escape(lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_t("title", lang)}</title>
<style>{_STYLE}</style>
</head>
<body>
<h1>{_t("title", lang)}</h1>
<p class="meta">{_t("generated", lang, when=generated_at)}</p>
<ul class="counts">{count_items}</ul>
{_matrix(rows, lang)}
<h2>{_t("hosts", lang)}</h2>
<div class="table-wrap">
<table id="hosts" class="sortable">
<thead><tr>{headers}</tr></thead>
<tbody>
{body_rows}
</tbody>
</table>
</div>
{students_html(students, lang)}
<script>{_SCRIPT}</script>
</body>
</html>
"""


def _t(key: str, lang: str, **params: object) -> str:
    """A message of the page, escaped for HTML."""
    return html.escape(summary_ui(key, lang, **params))


def _namespace_types(rows: Sequence[HostRow]) -> list[str]:
    return sorted({cell.name for row in rows for cell in row.namespaces})


def _matrix(rows: Sequence[HostRow], lang: str) -> str:
    """Hosts down, namespace types across: isolated or shared, and whether as predicted."""
    types = _namespace_types(rows)
    if not types:
        return ""

    head = "".join(f'<th class="ns">{html.escape(name)}</th>' for name in types)
    body = []
    for row in rows:
        cells = {cell.name: cell for cell in row.namespaces}
        body.append(
            f'<tr data-host="{html.escape(row.host)}">'
            f"<td>{html.escape(row.student_id or '—')}</td><td>{html.escape(row.host)}</td>"
            + "".join(_matrix_cell(cells.get(name), lang) for name in types)
            + "</tr>"
        )
    totals = []
    for name in types:
        column = [c for row in rows for c in row.namespaces if c.name == name]
        counts = {
            "isolated": sum(c.isolated is True for c in column),
            "shared": sum(c.isolated is False for c in column),
            "mismatched": sum(c.matched is False for c in column),
        }
        spans = " ".join(
            f"<span>{_t(f'foot.{kind}', lang, n=n)}</span>" for kind, n in counts.items()
        )
        totals.append(f'<td class="ns">{spans}</td>')
    legend = "".join(
        f'<li><span class="swatch {kind}"></span>{_t(f"legend.{kind}", lang)}</li>'
        for kind in ("isolated", "shared", "mismatched")
    )
    hosts = summary_ui("count.hosts", lang)
    return f"""<h2>{_t("matrix", lang)}</h2>
<p>{_t("matrix_text", lang)}</p>
<ul class="legend">{legend}</ul>
<div class="table-wrap">
<table id="matrix" class="matrix sortable">
<thead><tr><th>{_t("student", lang)}</th><th>{_t("host", lang)}</th>{head}</tr></thead>
<tbody>
{chr(10).join(body)}
</tbody>
<tfoot><tr><td colspan="2">{len(rows)} {html.escape(hosts)}</td>{"".join(totals)}</tr></tfoot>
</table>
</div>"""


def _matrix_cell(cell: NamespaceCell | None, lang: str) -> str:
    if cell is None or cell.isolated is None:
        return f'<td class="ns none" data-key="3">{summary_ui("cell.none", lang)}</td>'
    kind = "isolated" if cell.isolated else "shared"
    mismatched = cell.matched is False
    classes = f"ns {kind}" + (" mismatched" if mismatched else " matched")
    # Sorting puts what needs a look first: mismatches, then shared, then separate.
    key = "0" if mismatched else ("2" if cell.isolated else "1")
    text = html.escape(summary_ui(f"cell.{kind}", lang)) + (" \u26a0" if mismatched else "")
    return f'<td class="{classes}" data-key="{key}" data-ns="{html.escape(cell.name)}">{text}</td>'


def _html_row(row: HostRow, lang: str) -> str:
    docker = (
        html.escape(row.docker_version)
        if row.docker_version
        else html.escape(summary_ui("no_docker", lang))
    )
    detail = ", ".join(row.mismatches) if row.mismatches else row.reason
    link = (
        f'<a href="{html.escape(quote(row.report_link))}">'
        f"{html.escape(summary_ui('full_report', lang))}</a>"
        if row.report_link
        else "&mdash;"
    )
    return (
        f'<tr data-host="{html.escape(row.host)}">'
        f"<td>{html.escape(row.student_id or '—')}</td>"
        f"<td>{html.escape(row.host)}</td>"
        f"<td>{_badge('status', row.status, lang)}</td>"
        f"<td>{html.escape(row.os_release or '—')}</td>"
        f"<td>{html.escape(row.docker_source or '—')}</td>"
        f"<td>{docker}</td>"
        f"<td>{_badge('verdict', row.verdict, lang)}</td>"
        f'<td class="reason">{html.escape(detail)}</td>'
        f"<td>{link}</td></tr>"
    )


def _badge(kind: str, value: str, lang: str) -> str:
    css_class = value.replace(" ", "-")
    text = html.escape(summary_ui(f"{kind}.{value}", lang))
    return f'<span class="badge {css_class}" data-value="{html.escape(value)}">{text}</span>'
