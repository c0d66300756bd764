"""`nslab report`: rebuild the summary and show it on the terminal."""

from __future__ import annotations

from pathlib import Path

from lab.summary.build import write_class_summary
from lab.summary.render import render_text


def report(reports_dir: Path) -> int:
    summary = write_class_summary(reports_dir)
    print(render_text(summary.rows))
    print(f"\nClass summary: {summary.index_html.resolve()}")
    return 0
