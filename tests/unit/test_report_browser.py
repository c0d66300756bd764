"""report.html as chromium draws it: the picture of who shares which namespace is checked against
report.json, and the page fits a phone and a desktop screen in both languages."""

from __future__ import annotations

import dataclasses
import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from browser import dump_dom, keep_in_docs, measure, needs_chromium, screenshot
from experiment_fakes import course_note_report

from lab.report.model import Relations, Report
from lab.report.output import write_reports

pytestmark = needs_chromium

ROLES = ("host", "container1", "container2")

# Besides the course note's own table: container2 joined container1's network (as with
# --network container:...), container2 took the host's PID namespace (--pid=host), and time
# was expected private but seen shared.
VARIANTS = {
    "net": Relations(isolated=False, container1_shares_host=False, container2_shares_host=False),
    "pid": Relations(isolated=True, container1_shares_host=False, container2_shares_host=True),
    "time": Relations(isolated=True, container1_shares_host=False, container2_shares_host=False),
}


def varied_report(lang: str) -> Report:
    report = course_note_report(lang)
    scenario = report.scenarios[0]
    rows = []
    for row in scenario.namespaces:
        seen = VARIANTS.get(row.name)
        if seen is not None and row.expected is not None:
            refs = dict(row.refs)
            first, second = refs["container1"], refs["container2"]
            refs["container2"] = {
                "net": first,  # one namespace: the same inode
                "pid": refs["host"],
                "time": second,
            }[row.name]
            if row.name == "time":
                refs["container1"] = dataclasses.replace(first, inode=first.inode + 100)
                refs["container2"] = dataclasses.replace(second, inode=second.inode + 200)
            row = dataclasses.replace(
                row, refs=refs, observed=seen, match=seen == row.expected.relations
            )
        rows.append(row)
    return dataclasses.replace(report, scenarios=[dataclasses.replace(scenario, namespaces=rows)])


class DrawnRows(HTMLParser):
    """Per namespace row of the picture: its classes and each bar's roles, kind and text."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, dict] = {}
        self._row: dict | None = None
        self._text: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        classes = (attributes.get("class") or "").split()
        if tag == "g" and "ns-row" in classes:
            self._row = {"classes": classes, "bars": []}
            self.rows[attributes["data-ns"] or ""] = self._row
        elif tag == "rect" and "ns-cell" in classes and self._row is not None:
            roles = tuple((attributes["data-roles"] or "").split())
            self._row["bars"].append({"roles": roles, "kind": classes[1], "text": None})
        elif tag == "text" and self._row is not None and "inode" in classes:
            self._text = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "text" and self._text is not None and self._row is not None:
            self._row["bars"][-1]["text"] = "".join(self._text)
            self._text = None
        elif tag == "g":
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)


@pytest.fixture
def report_page(tmp_path: Path):
    def write(lang: str, *, varied: bool = True) -> Path:
        out = tmp_path / lang
        report = varied_report(lang) if varied else course_note_report(lang)
        write_reports(report, out, ["json", "html"], lang)
        return out / "report.html"

    return write


def bar_of(bars: list[dict], role: str) -> dict:
    (found,) = [bar for bar in bars if role in bar["roles"]]
    return found


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_picture_draws_what_report_json_says(tmp_path: Path, report_page, lang: str) -> None:
    page = report_page(lang)
    drawn = DrawnRows()
    drawn.feed(dump_dom(tmp_path, page))
    scenario = json.loads(page.with_name("report.json").read_text())["scenarios"][0]

    rows = [r for r in scenario["namespaces"] if not r["name"].endswith("_for_children")]
    assert list(drawn.rows) == [r["name"] for r in rows]
    for row in rows:
        picture, seen = drawn.rows[row["name"]], row["observed"]
        bars = picture["bars"]
        first, second = bar_of(bars, "container1"), bar_of(bars, "container2")
        # One bar for both containers exactly when they share one namespace.
        assert (first is second) is (not seen["isolated"]), row["name"]
        # A container's bar is the host's exactly when it shares the host's namespace.
        for role, bar in (("container1", first), ("container2", second)):
            shares = seen[f"{role}_shares_host"]
            assert (bar["kind"] == "shared") is shares, (row["name"], role)
            assert bar["text"] == str(row["refs"][role]["inode"])
        assert ("mismatch" in picture["classes"]) is (row["match"] is False)
        assert bar_of(bars, "host")["kind"] in (
            ("shared",) if seen["container1_shares_host"] or seen["container2_shares_host"]
            else ("host",)
        )  # fmt: skip

    kinds = {name: [bar["kind"] for bar in row["bars"]] for name, row in drawn.rows.items()}
    assert kinds["user"] == ["shared"]  # one bar across the host and both containers
    assert kinds["net"] == ["host", "joined"]
    assert kinds["pid"] == ["shared", "own", "shared"]
    assert kinds["uts"] == ["host", "own", "own"]


@pytest.mark.parametrize("lang", ["en", "ja"])
@pytest.mark.parametrize("width", [1280, 390])
def test_report_fits_the_screen(tmp_path: Path, report_page, lang: str, width: int) -> None:
    page = report_page(lang, varied=False)  # the course note's own table, as docs/ shows it
    fit = measure(
        tmp_path,
        page,
        width,
        "var svg = doc.querySelector('svg.sharing').getBoundingClientRect();"
        "return [doc.scrollingElement.scrollWidth, doc.documentElement.clientWidth,"
        " svg.width, svg.height];",
    )
    scroll_width, client_width, svg_width, svg_height = fit
    assert scroll_width <= client_width  # wide tables scroll inside their own frame
    assert 0 < svg_width <= client_width and svg_height > 100
    if width == 1280:
        # The picture beside its caption, not shrunk to a thumbnail nor wider than the text.
        assert 450 <= svg_width <= 640

    shot = tmp_path / f"report-{lang}-{width}.png"
    assert screenshot(tmp_path, page, width, 760, shot, anchor="picture-4") == (width, 760)
    assert shot.stat().st_size > 20_000
    if width == 1280:
        keep_in_docs(shot, f"report-{lang}.png")
