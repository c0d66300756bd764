"""report.md: the report as GitHub-flavoured Markdown."""

from __future__ import annotations

from lab.report.layout import Document, Table, document
from lab.report.model import Report


def render_markdown(report: Report, lang: str) -> str:
    return serialise(document(report, lang))


def serialise(doc: Document) -> str:
    lines = [f"# {doc.title}", ""]
    for section in doc.sections:
        lines += [f"{'#' * section.level} {section.title}", ""]
        for paragraph in section.paragraphs:
            lines += [paragraph, ""]
        if section.bullets:
            lines += [f"- {_cell(b)}" for b in section.bullets] + [""]
        if section.table:
            lines += [*_table(section.table), ""]
    return "\n".join(lines)


def _table(table: Table) -> list[str]:
    lines = ["| " + " | ".join(_cell(h) for h in table.headers) + " |"]
    lines.append("|" + "|".join("---" for _ in table.headers) + "|")
    for index, row in enumerate(table.rows):
        flagged = index < len(table.flagged) and table.flagged[index]
        cells = [_cell(c) for c in row]
        if flagged:
            cells[0] = f"**{cells[0]}** ⚠"
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
