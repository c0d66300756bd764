"""report.html: one self-contained page (inline CSS and SVG, no scripts, no external assets)."""

from __future__ import annotations

from html import escape

from lab.report.diagram import render_svg
from lab.report.explain import ui
from lab.report.layout import Document, Section, Table, document
from lab.report.model import Report

_CSS = """
body { font-family: system-ui, "Noto Sans CJK JP", sans-serif; margin: 2rem auto;
       max-width: 84rem; padding: 0 1rem; color: #1d1d1f; line-height: 1.45; }
h1 { font-size: 1.6rem; }
h2 { margin-top: 2rem; border-bottom: 1px solid #ddd; }
h3 { margin-top: 1.2rem; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; font-size: .9rem; }
th, td { border: 1px solid #ccc; padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: #f3f3f5; }
td { overflow-wrap: anywhere; }
td.nowrap { white-space: nowrap; }
td.whole { word-break: keep-all; overflow-wrap: normal; }
@media (min-width: 900px) { td:last-child { min-width: 16rem; } }
tr.mismatch td { background: #ffe3e3; }
tr.mismatch td:first-child::after { content: " \\26A0"; }
code { font-family: ui-monospace, monospace; }
figure.sharing { margin: .5rem 0 1rem; display: grid; gap: .5rem 1.5rem; align-items: start; }
@media (min-width: 900px) { figure.sharing { grid-template-columns: minmax(0, 38rem) 1fr; } }
figure.sharing > svg { width: 100%; height: auto; display: block; }
figure.sharing figcaption { color: #333; }
svg.sharing text { font-size: 12px; text-anchor: middle; fill: #1d1d1f; }
svg.sharing text.ns-name { text-anchor: end; font-weight: 600; }
@media (max-width: 600px) { svg.sharing text { font-size: 17px; } }
svg.sharing text.role { font-weight: 600; }
svg.sharing text.missing { fill: #777; font-style: italic; }
svg.sharing .host-box { fill: #f6f6f8; stroke: #555; stroke-width: 1.5; }
svg.sharing .container-box { fill: #fff; stroke: #888; stroke-dasharray: 5 3; }
.ns-cell, .swatch { stroke-width: 1; }
.ns-cell.own, .swatch.own { fill: #d6e9ff; stroke: #2b6cb0; }
.ns-cell.joined, .swatch.joined { fill: #d5f5e3; stroke: #2f855a; }
.ns-cell.shared, .swatch.shared { fill: #ffe2b3; stroke: #b7791f; }
.ns-cell.host, .swatch.host { fill: #e2e2e6; stroke: #777; }
svg.sharing g.mismatch text.ns-name { fill: #b00020; }
svg.sharing g.mismatch .ns-cell { stroke: #b00020; stroke-width: 2.5; }
ul.legend { list-style: none; padding: 0; margin: .6rem 0 0; }
ul.legend li { margin: .25rem 0; }
ul.legend svg { width: 1.8em; height: 1.05em; vertical-align: -.15em; margin-right: .4em; }
@media print { figure.sharing { break-inside: avoid; } }
"""

_LEGEND = ("own", "joined", "shared", "host")


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
    for number, section in enumerate(doc.sections, start=1):
        level = section.level
        # An anchor on each picture's heading, so a link (or a screenshot) can open the page there.
        anchor = f' id="picture-{number}"' if section.sharing else ""
        parts.append(f"<h{level}{anchor}>{escape(section.title)}</h{level}>")
        parts += [f"<p>{escape(p)}</p>" for p in section.paragraphs]
        if section.bullets:
            parts.append(
                "<ul>" + "".join(f"<li>{escape(b)}</li>" for b in section.bullets) + "</ul>"
            )
        if section.sharing:
            parts.append(_figure(section, doc.lang))
        if section.svg:
            # The picture brings its own styles: pages without one stay as they were.
            parts.append(f"<figure>\n{section.svg}\n</figure>")
        if section.table:
            parts.append(_table(section.table))
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts)


def _figure(section: Section, lang: str) -> str:
    swatches = "".join(
        f'<li><svg viewBox="0 0 24 14" aria-hidden="true"><rect class="swatch {kind}" '
        f'x="1" y="1" width="22" height="12" rx="3"/></svg>'
        f"{escape(ui(f'legend_{kind}', lang))}</li>"
        for kind in _LEGEND
    )
    mismatch = f"<li>\u26a0 {escape(ui('legend_mismatch', lang))}</li>"
    return (
        f'<figure class="sharing">\n{render_svg(section.sharing, lang, section.roles)}\n'
        f"<figcaption>{escape(ui('diagram_text', lang))}\n"
        f'<ul class="legend">{swatches}{mismatch}</ul></figcaption>\n</figure>'
    )


def _table(table: Table) -> str:
    def cell(tag: str, column: int, text: str) -> str:
        wrap = (
            ' class="nowrap"'
            if column in table.nowrap
            else ' class="whole"'
            if column in table.whole_words
            else ""
        )
        return f"<{tag}{wrap}>{escape(text)}</{tag}>"

    head = "".join(cell("th", i, h) for i, h in enumerate(table.headers))
    rows = []
    for index, row in enumerate(table.rows):
        flagged = index < len(table.flagged) and table.flagged[index]
        cells = "".join(cell("td", i, c) for i, c in enumerate(row))
        rows.append(f'<tr class="mismatch">{cells}</tr>' if flagged else f"<tr>{cells}</tr>")
    return (
        f'<div class="table-wrap"><table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n'
        + "\n".join(rows)
        + "\n</tbody>\n</table></div>"
    )
