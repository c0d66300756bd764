"""Write report.json / report.md / report.html into a directory, each file whole."""

from __future__ import annotations

import json
from pathlib import Path

from lab.report.files import write_whole
from lab.report.html import render_html
from lab.report.markdown import render_markdown
from lab.report.model import Report

FORMATS = ("json", "md", "html")


def to_json(report: Report) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"


def write_reports(report: Report, output_dir: Path, formats: list[str], lang: str) -> list[Path]:
    output_dir.mkdir(parents=True, exist_ok=True)
    renderers = {
        "json": to_json,
        "md": lambda r: render_markdown(r, lang),
        "html": lambda r: render_html(r, lang),
    }
    written = []
    for fmt in formats:
        path = output_dir / f"report.{fmt}"
        write_whole(path, renderers[fmt](report))
        written.append(path)
    return written
