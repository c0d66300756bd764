"""Write report.json / report.md / report.html into a directory, each file whole (write_whole)."""

from __future__ import annotations

import json
import os
import secrets
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


def write_whole(path: Path, text: str, *, encoding: str = "utf-8", mode: int = 0o666) -> None:
    """Write `text` to a new file beside `path`, then rename it over `path`: a reader (the
    role's fetch, a browser, a spreadsheet or LMS import) sees the old file or the new one,
    never half of one. Here, in the part of the package the hosts get, because their report is
    written with it; the controller's class summary and students' records are too.

    The new file's name is unique and it is created exclusively, never through a link, so
    nothing already in the directory is written into; it gets `mode` less the umask, as open()
    gives. The text goes as it is (no newline translation: CSV's own line ends). No fsync: a
    file a crash loses is written again by running the command again."""
    partial = path.with_name(f".{path.name}.{secrets.token_hex(6)}.partial")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    fd = os.open(partial, flags, mode)
    try:
        with os.fdopen(fd, "w", encoding=encoding, newline="") as file:
            file.write(text)
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
