"""The class summary page as a real browser renders it (Debian's chromium, headless)."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from summary_reports import make_report, write_host

from lab.summary import write_class_summary

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed (tests/run installs it)"
)


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)


class RenderedTable(HTMLParser):
    """Cells of every body row, and every link, from the DOM chromium serialised."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.links: list[str] = []
        self._in_body = False
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self.rows.append([])
        elif tag == "td" and self._in_body:
            self._cell = []
        elif tag == "a":
            self.links.append(dict(attrs)["href"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None:
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tbody":
            self._in_body = False

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


@pytest.fixture
def summary_page(tmp_path: Path) -> Path:
    reports = tmp_path / "reports"
    write_host(
        reports,
        "vm-a",
        report=make_report("vm-a", "29.1.0", mismatched=("cgroup",)),
        status={
            "status": "ok",
            "student_id": "s001",
            "os": {"distribution": "Debian", "version": "13.2", "codename": "trixie"},
            "docker_source": "download.docker.com",
        },
    )
    write_host(
        reports,
        "vm-b",
        report=make_report("vm-b", "20.10.24"),
        status={
            "status": "ok",
            "student_id": "s002",
            "os": {"distribution": "Debian", "version": "12.11", "codename": "bookworm"},
            "docker_source": "Debian's docker.io",
        },
    )
    write_host(
        reports,
        "vm-c",
        status={
            "status": "unreachable",
            "reason": "Failed to connect to the host via ssh: <refused>",
            "student_id": "s003",
        },
    )
    return write_class_summary(reports).index_html


def test_rendered_page_shows_a_row_per_host(tmp_path: Path, summary_page: Path) -> None:
    dom = chromium(tmp_path, "--dump-dom", summary_page.as_uri()).stdout

    table = RenderedTable()
    table.feed(dom)
    assert table.rows == [
        [
            "s001",
            "vm-a",
            "ok",
            "Debian 13.2 (trixie)",
            "download.docker.com",
            "29.1.0",
            "mismatches",
            "seed/namespace:cgroup",
            "full report",
        ],
        [
            "s002",
            "vm-b",
            "ok",
            "Debian 12.11 (bookworm)",
            "Debian's docker.io",
            "20.10.24",
            "matched",
            "",
            "full report",
        ],
        [
            "s003",
            "vm-c",
            "unreachable",
            "—",
            "—",
            "not installed / unknown",
            "no report",
            # Markup in a reason is shown as text, never interpreted.
            "Failed to connect to the host via ssh: <refused>",
            "—",
        ],
    ]
    # Self-contained: nothing is loaded from anywhere but the page itself.
    assert not re.search(r"<(link|script|img)\b", dom)


def test_report_links_open_each_hosts_report(tmp_path: Path, summary_page: Path) -> None:
    table = RenderedTable()
    table.feed(chromium(tmp_path, "--dump-dom", summary_page.as_uri()).stdout)

    assert table.links == ["vm-a/report.html", "vm-b/report.html"]
    for link in table.links:
        target = (summary_page.parent / link).as_uri()
        opened = chromium(tmp_path, "--dump-dom", target).stdout
        assert f"report of {link.split('/')[0]}" in opened


def test_screenshot_of_the_page(tmp_path: Path, summary_page: Path) -> None:
    shot = tmp_path / "summary.png"
    chromium(tmp_path, "--window-size=1280,600", f"--screenshot={shot}", summary_page.as_uri())

    header = shot.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", header[16:24]) == (1280, 600)
    # A blank page compresses to almost nothing; the table makes it several kilobytes.
    assert shot.stat().st_size > 20_000
