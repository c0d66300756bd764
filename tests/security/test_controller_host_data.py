"""A host is not trusted on the controller: a student is root there and can make report.json,
the host's own pages and everything in its status say anything. Each test plays that student
against the real class summary (`python3 -m lab report`, as playbooks/lab.yml's summary play
runs it) and looks at what the instructor gets: the page opened in a browser, summary.csv
opened in a spreadsheet, the table on the terminal."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from lab.provision.events import HostProgress
from lab.provision.progress import PlainProgress

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "tests" / "golden" / "course-note-cgroup-v2.en.json"

SCRIPT = '<script>document.title="pwned"</script><img src=x onerror="alert(1)">'
FORMULAS = ('=HYPERLINK("http://evil.invalid","grade")', "+1+1", "-2+3", "@SUM(A1)")
TERMINAL = "\x1b]0;pwned\x07\x1b[2J\x1b[31mred\x1b[0m\x07\x08\x9b6n"


class Elements(HTMLParser):
    """What a browser would build from the page: its elements and their attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def elements(page: Path) -> list[tuple[str, list[tuple[str, str | None]]]]:
    parser = Elements()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.tags


def report_from(host: str, **changes: Any) -> dict[str, Any]:
    """A real report (the golden one), as the host `host` would send it, with `changes`."""
    report = json.loads(GOLDEN.read_text(encoding="utf-8"))
    report["fingerprint"]["hostname"] = host
    for path, value in changes.items():
        *parents, last = path.split("__")
        target = report
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        target[last] = value
    return report


def plant_host(
    reports: Path, host: str, report: dict[str, Any], own_page: str = ""
) -> dict[str, Any]:
    """What the fetch leaves in reports/<host>/ (and, before, a host's own page)."""
    folder = reports / host
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.json").write_text(json.dumps(report), encoding="utf-8")
    if own_page:
        (folder / "report.html").write_text(own_page, encoding="utf-8")
    return {"host": host, "status": "ok", "reason": "", "student_id": "", "docker_source": ""}


def summarise(reports: Path, statuses: list[dict[str, Any]]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "lab", "report", "--reports-dir", str(reports), "--statuses", "-"]
        + [f"--host={status['host']}" for status in statuses],
        input=json.dumps(statuses),
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done


def hosts_of(reports: Path) -> dict[str, dict[str, Any]]:
    summary = json.loads((reports / "summary.json").read_text(encoding="utf-8"))
    return {row["host"]: row for row in summary["hosts"]}


def test_html_from_a_host_never_runs_in_the_instructors_browser(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    hostile = report_from(
        "vm-a",
        image=SCRIPT,
        fingerprint__kernel=SCRIPT,
        fingerprint__docker__server_version=SCRIPT,
        scenarios__0__name=SCRIPT,
    )
    status = plant_host(reports, "vm-a", hostile, own_page=f"<h1>grades</h1>{SCRIPT}")
    status.update(student_id=SCRIPT, reason=SCRIPT, docker_source=SCRIPT)

    summarise(reports, [status])

    page = reports / "vm-a" / "report.html"
    assert hosts_of(reports)["vm-a"]["report"] == "vm-a/report.html"
    # The page linked is the controller's rendering of report.json, not the host's own.
    assert "grades" not in page.read_text(encoding="utf-8")
    for opened, own_scripts in ((reports / "index.html", 1), (page, 0)):
        tags = elements(opened)
        assert sum(tag == "script" for tag, _ in tags) == own_scripts, opened
        assert not [tag for tag, _ in tags if tag in ("img", "iframe", "object")], opened
        handlers = [name for _, attrs in tags for name, _ in attrs if name.startswith("on")]
        assert handlers == [], opened
        # Shown as text, so the instructor sees what the host tried.
        assert "&lt;script&gt;" in opened.read_text(encoding="utf-8"), opened


def test_an_invalid_report_gets_a_reason_not_a_page(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    # Types the schema forbids, which the report's model alone let through.
    broken = report_from("vm-b", fingerprint__hostname={"html": SCRIPT}, duration_seconds="1 s")
    status = plant_host(reports, "vm-b", broken, own_page=f"<h1>the host's page</h1>{SCRIPT}")

    summarise(reports, [status])

    row = hosts_of(reports)["vm-b"]
    assert row["status"] == "failed"
    assert row["reason"].startswith("invalid report from vm-b: not an nslab report: ")
    assert "$.duration_seconds" in row["reason"] or "$.fingerprint.hostname" in row["reason"]
    assert row["report"] is None
    assert not (reports / "vm-b" / "report.html").exists()
    assert "vm-b/report" not in (reports / "index.html").read_text(encoding="utf-8")


def test_no_cell_of_summary_csv_is_a_formula(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    report = report_from("vm-c", fingerprint__docker__server_version=FORMULAS[0])
    status = plant_host(reports, "vm-c", report)
    status.update(student_id=FORMULAS[1], docker_source=FORMULAS[2])
    status["os"] = {"distribution": FORMULAS[3], "version": "", "codename": ""}
    failed = {"host": "vm-d", "status": "failed", "reason": "\t=cmd|' /C calc'!A0"}

    summarise(reports, [status, failed])

    with (reports / "summary.csv").open(encoding="utf-8-sig", newline="") as table:
        cells = [cell for row in csv.reader(table) for cell in row]
    assert [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")] == []
    # Still there, as text a spreadsheet shows.
    for formula in (*FORMULAS, "\t=cmd|' /C calc'!A0"):
        assert "'" + formula in cells, formula


def test_no_terminal_control_from_a_host_reaches_the_instructors_terminal(
    tmp_path: Path,
) -> None:
    reports = tmp_path / "reports"
    report = report_from("vm-e", fingerprint__docker__server_version=TERMINAL)
    status = plant_host(reports, "vm-e", report)
    status.update(student_id=TERMINAL)
    failed = {"host": "vm-f", "status": "failed", "reason": f"apt failed: {TERMINAL}"}

    shown = summarise(reports, [status, failed]).stdout
    assert "red" in shown and "apt failed: " in shown
    assert not [
        char for char in shown if (ord(char) < 32 and char != "\n") or 127 <= ord(char) < 160
    ]

    # The progress display (`nslab provision`), fed the failure message of a host.
    class Captured:
        text = ""

        def write(self, text: str) -> None:
            self.text += text

        def flush(self) -> None:
            pass

    captured = Captured()
    host = HostProgress("vm-f", state="failed", failed_task=TERMINAL, message=TERMINAL)
    PlainProgress(captured, [host]).finish()  # type: ignore[arg-type]
    assert "FAILED" in captured.text
    assert "\x1b" not in captured.text and "\x07" not in captured.text


def test_a_url_password_in_a_hosts_record_reaches_no_summary_file(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    secret = "p@ss-5ecret"
    failed = {
        "host": "vm-g",
        "status": "failed",
        "reason": f"apt-get update: 401 from http://teacher:{secret}@mirror.invalid:3142/debian",
        "docker_source": f"https://teacher:{secret}@mirror.invalid/docker",
        "docker_engine_proxy_password": secret,
    }

    summarise(reports, [failed])

    written = [reports / "vm-g" / "status.json"] + [
        reports / name for name in ("summary.json", "summary.csv", "index.html")
    ]
    for path in written:
        text = path.read_text(encoding="utf-8-sig")
        assert "5ecret" not in text, path
    assert "http://teacher:<redacted>@mirror.invalid:3142/debian" in written[0].read_text()
