"""Markdown, HTML and JSON of a deterministic report equal the committed golden files.

Regenerate after an intended change with NSLAB_REGEN_GOLDEN=1 and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from experiment_fakes import course_note_report

from lab.report.html import render_html
from lab.report.markdown import render_markdown
from lab.report.output import to_json

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
REGENERATE = os.environ.get("NSLAB_REGEN_GOLDEN") == "1"

RENDERERS = {
    "md": lambda report, lang: render_markdown(report, lang),
    "html": lambda report, lang: render_html(report, lang),
    "json": lambda report, _lang: to_json(report),
}


@pytest.mark.parametrize("lang", ["en", "ja"])
@pytest.mark.parametrize("fmt", sorted(RENDERERS))
def test_rendering_matches_golden(fmt: str, lang: str) -> None:
    rendered = RENDERERS[fmt](course_note_report(lang), lang)
    path = GOLDEN / f"course-note-cgroup-v2.{lang}.{fmt}"
    if REGENERATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(rendered, encoding="utf-8")
    assert path.exists(), f"{path} missing: run with NSLAB_REGEN_GOLDEN=1 to create it"
    assert rendered == path.read_text(encoding="utf-8")
