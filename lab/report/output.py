"""Write report.json / report.md / report.html into a directory."""

from __future__ import annotations

import json
from pathlib import Path

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


def write_whole(path: Path, text: str) -> None:
    """Write then rename, so a reader (the role's fetch) never sees half a file."""
    partial = path.with_suffix(path.suffix + ".partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)
