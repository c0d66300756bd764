"""`nslab report`: rebuild the summary and show it on the terminal."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from lab.summary.build import write_class_summary
from lab.summary.messages import summary_ui
from lab.summary.render import render_text


def report(reports_dir: Path, hosts: Collection[str] = (), lang: str = "en") -> int:
    summary = write_class_summary(reports_dir, lang=lang, hosts=hosts)
    print(render_text(summary.rows, lang))
    print("\n" + summary_ui("text.page", lang, path=summary.index_html.resolve()))
    return 0
