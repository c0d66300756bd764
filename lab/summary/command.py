"""`nslab report`: rebuild the summary and show it on the terminal."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from lab.summary.build import write_class_summary
from lab.summary.render import render_text


def report(reports_dir: Path, hosts: Collection[str] = ()) -> int:
    summary = write_class_summary(reports_dir, hosts=hosts)
    print(render_text(summary.rows))
    print(f"\nClass summary: {summary.index_html.resolve()}")
    return 0
