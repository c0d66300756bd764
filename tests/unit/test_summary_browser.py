"""The class summary page as a real browser renders it (Debian's chromium, headless): the rows,
the hosts x namespace types matrix against each host's report.json, sorting, widths, print."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest
from browser import chromium as run_chromium
from browser import dump_dom, keep_in_docs, measure, needs_chromium, screenshot
from summary_reports import ISOLATED, SHARED, make_report, write_host

from lab.summary import write_class_summary

pytestmark = needs_chromium

CGROUP_V2 = dict.fromkeys(("cgroup", "ipc", "mnt", "net", "pid", "uts"), ISOLATED) | {
    "time": SHARED,
    "user": SHARED,
}
CGROUP_V1 = CGROUP_V2 | {"cgroup": SHARED}
ENGINE_29_5 = CGROUP_V2 | {"time": ISOLATED}


class RenderedTables(HTMLParser):
    """Per table id: body rows as (attributes, cells), each cell (class, text); links; footer."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, list[tuple[dict[str, str | None], list[tuple[str, str]]]]] = {}
        self.footers: dict[str, list[str]] = {}
        self.links: list[str] = []
        self._table = ""
        self._part = ""
        self._cell: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "table":
            self._table = attributes.get("id") or ""
        elif tag in ("thead", "tbody", "tfoot"):
            self._part = tag
        elif tag == "tr" and self._part == "tbody":
            self.rows.setdefault(self._table, []).append((attributes, []))
        elif tag == "td" and self._part in ("tbody", "tfoot"):
            self._cell = (attributes.get("class") or "", [])
        elif tag == "a":
            self.links.append(attributes["href"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None:
            text = " ".join("".join(self._cell[1]).split())
            if self._part == "tbody":
                self.rows[self._table][-1][1].append((self._cell[0], text))
            else:
                self.footers.setdefault(self._table, []).append(text)
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell[1].append(data)


def rendered(tmp_path: Path, page: Path) -> RenderedTables:
    tables = RenderedTables()
    tables.feed(dump_dom(tmp_path, page))
    return tables


@pytest.fixture
def class_page(tmp_path: Path) -> Callable[[str], Path]:
    reports = tmp_path / "reports"
    bookworm = {"distribution": "Debian", "version": "12.11", "codename": "bookworm"}
    trixie = {"distribution": "Debian", "version": "13.2", "codename": "trixie"}
    hosts = (
        ("vm-a", "s001", "29.5.0", ENGINE_29_5, ("time",), trixie, "download.docker.com"),
        ("vm-b", "s002", "20.10.24", CGROUP_V1, (), bookworm, "Debian's docker.io"),
        ("vm-d", "s004", "26.1.5", CGROUP_V2, (), trixie, "download.docker.com"),
    )
    for host, student, version, types, mismatched, release, source in hosts:
        write_host(
            reports,
            host,
            report=make_report(host, version, mismatched, types=types, scenario="baseline"),
            status={"status": "ok", "student_id": student, "os": release, "docker_source": source},
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
    return lambda lang: write_class_summary(reports, lang=lang).index_html


def test_rendered_page_shows_a_row_per_host(tmp_path: Path, class_page) -> None:
    page = class_page("en")
    dom = dump_dom(tmp_path, page)
    tables = RenderedTables()
    tables.feed(dom)

    assert [[text for _, text in cells] for _, cells in tables.rows["hosts"]] == [
        [
            "s001",
            "vm-a",
            "ok",
            "Debian 13.2 (trixie)",
            "download.docker.com",
            "29.5.0",
            "mismatches",
            "baseline/namespace:time",
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
        [
            "s004",
            "vm-d",
            "ok",
            "Debian 13.2 (trixie)",
            "download.docker.com",
            "26.1.5",
            "matched",
            "",
            "full report",
        ],
    ]
    # Self-contained: the only script is inline, nothing is loaded from anywhere else.
    assert not re.search(r"<(link|img|iframe)\b|<script\s+src|https?://", dom)


def test_matrix_draws_what_each_hosts_report_says(tmp_path: Path, class_page) -> None:
    page = class_page("en")
    tables = rendered(tmp_path, page)

    drawn = {attributes["data-host"]: cells[2:] for attributes, cells in tables.rows["matrix"]}
    assert list(drawn) == ["vm-a", "vm-b", "vm-c", "vm-d"]
    types = sorted(CGROUP_V2)
    assert drawn["vm-c"] == [("ns none", "—")] * len(types)  # no report, nothing to draw
    counts = {name: [0, 0, 0] for name in types}
    for host in ("vm-a", "vm-b", "vm-d"):
        report = json.loads((page.parent / host / "report.json").read_text())
        rows = {row["name"]: row for row in report["scenarios"][0]["namespaces"]}
        for name, (css, text) in zip(types, drawn[host], strict=True):
            isolated = rows[name]["observed"]["isolated"]
            matched = rows[name]["match"]
            assert css.split() == [
                "ns",
                "isolated" if isolated else "shared",
                "matched" if matched else "mismatched",
            ], (host, name)
            assert text == ("separate" if isolated else "shared") + ("" if matched else " ⚠")
            counts[name][0 if isolated else 1] += 1
            counts[name][2] += not matched
    assert tables.footers["matrix"] == ["4 hosts"] + [
        f"{i} separate {s} shared {m} ⚠" for i, s, m in counts.values()
    ]
    # vm-a expected a time namespace of its own and saw the host's: shared, and marked.
    assert counts["time"] == [0, 3, 1] and counts["cgroup"] == [2, 1, 0]


ORDER = 'return Array.from(doc.querySelectorAll("#matrix tbody tr")).map(r => r.dataset.host);'


def click(header: str, times: int = 1) -> str:
    return (
        f'var th = Array.from(doc.querySelectorAll("#matrix thead th"))'
        f'.find(h => h.textContent === "{header}");'
        f"for (var i = 0; i < {times}; i++) th.click();" + ORDER
    )


def test_sorting_a_column_puts_what_needs_a_look_first(tmp_path: Path, class_page) -> None:
    page = class_page("en")

    assert measure(tmp_path, page, 1280, ORDER) == ["vm-a", "vm-b", "vm-c", "vm-d"]
    # time: the mismatch first, then the hosts that share it, then the host without a report.
    assert measure(tmp_path, page, 1280, click("time")) == ["vm-a", "vm-b", "vm-d", "vm-c"]
    assert measure(tmp_path, page, 1280, click("time", 2)) == ["vm-c", "vm-b", "vm-d", "vm-a"]
    assert measure(tmp_path, page, 1280, click("cgroup")) == ["vm-b", "vm-a", "vm-d", "vm-c"]
    assert measure(tmp_path, page, 1280, click("Host", 2)) == ["vm-d", "vm-c", "vm-b", "vm-a"]


def test_report_links_open_each_hosts_report(tmp_path: Path, class_page) -> None:
    page = class_page("en")
    links = rendered(tmp_path, page).links

    assert links == ["vm-a/report.html", "vm-b/report.html", "vm-d/report.html"]
    for link in links:
        opened = dump_dom(tmp_path, page.parent / link)
        # The controller's rendering of that host's report.json (its fingerprint names the host).
        assert f"run-{link.split('/')[0]} 2025-01-01" in opened


@pytest.mark.parametrize("lang", ["en", "ja"])
@pytest.mark.parametrize("width", [1280, 390])
def test_page_fits_the_screen_and_is_drawn(
    tmp_path: Path, class_page, lang: str, width: int
) -> None:
    page = class_page(lang)
    # The page never scrolls sideways; a table too wide for a phone scrolls inside its frame.
    fit = measure(
        tmp_path,
        page,
        width,
        "return [doc.scrollingElement.scrollWidth, doc.documentElement.clientWidth,"
        ' doc.querySelector("#matrix").closest(".table-wrap").clientWidth];',
    )
    assert fit[0] <= fit[1] and fit[2] <= fit[1]
    shot = tmp_path / f"summary-{lang}-{width}.png"
    assert screenshot(tmp_path, page, width, 900, shot) == (width, 900)
    # A blank page compresses to almost nothing; tables and coloured cells make it much more.
    assert shot.stat().st_size > 20_000
    if (lang, width) == ("en", 1280):
        keep_in_docs(shot, "class-summary.png")


def test_page_prints(tmp_path: Path, class_page) -> None:
    pdf = tmp_path / "summary.pdf"
    run_chromium(
        tmp_path, f"--print-to-pdf={pdf}", "--no-pdf-header-footer", class_page("en").as_uri()
    )

    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 10_000


def students_records(uid: int, user: str, answers: tuple[tuple[str, str, str], ...]) -> str:
    """A student's record file as the students' command keeps it (the record contract)."""
    same = ("time", "user")
    namespaces = {
        name: {"observed": side, "expected": side, "matched": True}
        for name in ("cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts")
        for side in ["same" if name in same else "different"]
    }
    common = {"schema": 1, "uid": uid, "user": user}
    records = [
        common | {"kind": "experiment", "time": "2026-12-07T09:02:00+00:00", "command": [],
                  "matched": True, "containers": [], "namespaces": namespaces},
        common | {"kind": "check", "time": "2026-12-07T09:15:00+00:00",
                  "command": ["check", "web1", "web2"], "matched": True,
                  "containers": [{"name": "web1", "image": "debian:12", "options": []},
                                 {"name": "web2", "image": "debian:12", "options": ["--pid host"]}],
                  "namespaces": namespaces | {"pid": {"observed": "same", "expected": "same",
                                                      "matched": True}}},
    ]  # fmt: skip
    for minute, (question, answer, expected) in enumerate(answers, start=20):
        correct = set(answer.split()) == set(expected.split())
        records.append(
            common | {"kind": "answer", "time": f"2026-12-07T09:{minute}:00+00:00",
                      "command": ["quiz", question], "matched": correct, "question": question,
                      "answer": answer, "expected": expected, "correct": correct}
        )  # fmt: skip
    return "".join(json.dumps(record) + "\n" for record in records)


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_students_work_is_shown_in_both_languages(tmp_path: Path, class_page, lang: str) -> None:
    from lab.summary.students import write_student_files

    differ = "cgroup ipc mnt net pid uts"
    # Marked correct by a student who is root on vm-a, though the machine showed otherwise.
    claims_right = {
        "schema": 1, "kind": "answer", "time": "2026-12-07T09:29:00+00:00", "uid": 1001,
        "user": "ben", "command": ["quiz", "host"], "matched": True, "question": "host",
        "answer": "none", "expected": "time user", "correct": True,
    }  # fmt: skip
    fetched = {
        "vm-a": {"files": [
            {"name": "1000.jsonl", "content": students_records(1000, "aiko", (
                ("differ", differ, differ), ("host", "time user", "time user"),
                ("time-user", "shared", "separate")))},
            {"name": "1001.jsonl", "content": students_records(1001, "ben", (
                ("differ", "net pid", differ),)) + "not a record\n" + json.dumps(claims_right)},
        ]},
        "vm-b": {"files": [{"name": "1000.jsonl", "content": students_records(1000, "chen", (
            ("differ", "cgroup ipc mnt net pid uts", differ),))}]},
    }  # fmt: skip
    write_student_files(tmp_path / "reports", fetched, "2026-12-07T09:30:00+00:00")
    page = class_page(lang)

    tables = rendered(tmp_path, page)
    rows = [[text for _, text in cells] for _, cells in tables.rows["students"]]
    assert [row[:2] for row in rows] == [
        ["aiko (uid 1000)", "vm-a"],
        ["ben (uid 1001)" + {"en": "Lines dropped (not valid records): 1",
                             "ja": "除外した行 (正しい記録ではない): 1"}[lang]
         + "line 4: not JSON (JSONDecodeError)", "vm-a"],
        ["chen (uid 1000)", "vm-b"],
    ]  # fmt: skip
    words = {
        "en": ("experiments: 1, checks: 1, answers: 3", "as expected", "correct", "wrong"),
        "ja": ("実験 1 回、確認 1 回、解答 3 件", "予想どおり", "正解", "不正解"),
    }[lang]
    counts, as_expected, correct, wrong = words
    assert rows[0][3].startswith(counts)
    assert rows[0][4].startswith(f"{as_expected} 2026-12-07 09:15 UTC")
    assert "web2 (debian:12, --pid host)" in rows[0][4]
    # Two right, one wrong (in Japanese the word for wrong, 不正解, holds the one for right).
    assert rows[0][5].count(correct) == {"en": 2, "ja": 3}[lang] and rows[0][5].count(wrong) == 1
    doubt = {
        "en": "The controller doubts this record: marked correct, yet the answer is not what",
        "ja": "コントローラーはこの記録を疑っています: 正解とされているが、解答はマシンの結果と",
    }[lang]
    assert doubt in rows[1][5]
    dom = dump_dom(tmp_path, page)
    assert {"en": "Self-reported", "ja": "自己申告"}[lang] in dom
    shot = tmp_path / f"students-{lang}.png"
    assert screenshot(tmp_path, page, 1280, 760, shot, anchor="students-work") == (1280, 760)
    assert shot.stat().st_size > 20_000
    if lang == "en":
        keep_in_docs(shot, "class-summary-students.png")
