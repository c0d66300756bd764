"""`nslab report`: rebuild the summary and show it on the terminal."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

from lab.runlock import private_dir
from lab.summary.build import write_class_summary
from lab.summary.messages import summary_ui
from lab.summary.render import render_text
from lab.summary.status_files import write_status_files


def report(
    reports_dir: Path,
    hosts: Collection[str] = (),
    lang: str = "en",
    statuses: Sequence[Mapping[str, Any]] | None = None,
) -> int:
    """With `statuses` (each host's status.json as the playbook records it, for the playbook's
    summary play), the reports directory is created and they are written first."""
    if statuses is not None:
        # Students' IDs and verdicts: the owner's alone on a shared controller.
        private_dir(reports_dir)
        write_status_files(reports_dir, statuses)
    summary = write_class_summary(reports_dir, lang=lang, hosts=hosts)
    print(render_text(summary.rows, lang))
    print("\n" + summary_ui("text.page", lang, path=summary.index_html.resolve()))
    return 0
