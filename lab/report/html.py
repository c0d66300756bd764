"""report.html: one self-contained page (inline CSS, no scripts, no external assets)."""

from __future__ import annotations

from html import escape

from lab.report.layout import Document, Table, document
from lab.report.model import Report

_CSS = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 80rem; padding: 0 1rem;
       color: #1d1d1f; line-height: 1.45; }
h1 { font-size: 1.6rem; }
h2 { margin-top: 2rem; border-bottom: 1px solid #ddd; }
h3 { margin-top: 1.2rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; font-size: .9rem; }
th, td { border: 1px solid #ccc; padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: #f3f3f5; }
td { overflow-wrap: anywhere; }
tr.mismatch td { background: #ffe3e3; }
tr.mismatch td:first-child::after { content: " \\26A0"; }
code { font-family: ui-monospace, monospace; }
"""


def render_html(report: Report, lang: str) -> str:
    return serialise(document(report, lang))


def serialise(doc: Document) -> str:
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{escape(doc.lang)}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(doc.title)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        f"<h1>{escape(doc.title)}</h1>",
    ]
    for section in doc.sections:
        level = section.level
        parts.append(f"<h{level}>{escape(section.title)}</h{level}>")
        parts += [f"<p>{escape(p)}</p>" for p in section.paragraphs]
        if section.bullets:
            parts.append(
                "<ul>" + "".join(f"<li>{escape(b)}</li>" for b in section.bullets) + "</ul>"
            )
        if section.table:
            parts.append(_table(section.table))
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts)


def _table(table: Table) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in table.headers)
    rows = []
    for index, row in enumerate(table.rows):
        flagged = index < len(table.flagged) and table.flagged[index]
        cells = "".join(f"<td>{escape(c)}</td>" for c in row)
        rows.append(f'<tr class="mismatch">{cells}</tr>' if flagged else f"<tr>{cells}</tr>")
    return (
        f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n"
        + "\n".join(rows)
        + "\n</tbody>\n</table>"
    )
