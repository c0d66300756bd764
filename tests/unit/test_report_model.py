"""report.json: a lossless round trip, a documented JSON Schema, a version readers can check."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from experiment_fakes import course_note_report

import lab.report
from lab.report.html import render_html
from lab.report.model import Report
from lab.report.output import to_json, write_reports

SCHEMA = json.loads((Path(lab.report.__file__).parent / "report.schema.json").read_text())


def test_json_round_trip_is_lossless() -> None:
    report = course_note_report()
    assert Report.from_dict(json.loads(to_json(report))) == report


def test_report_validates_against_the_schema() -> None:
    jsonschema.validate(json.loads(to_json(course_note_report())), SCHEMA)


def test_a_future_major_version_is_refused() -> None:
    data = json.loads(to_json(course_note_report()))
    data["schema_version"] = "2.0"
    with pytest.raises(ValueError, match="not supported"):
        Report.from_dict(data)


def test_course_note_verdicts_in_the_json() -> None:
    data = json.loads(to_json(course_note_report()))
    rows = {row["name"]: row for row in data["scenarios"][0]["namespaces"]}
    assert data["summary"] == {"matched": True, "mismatches": []}
    assert rows["user"]["observed"]["isolated"] is False
    assert rows["user"]["expected"]["reasons"][0]["code"] == "user.no_remap"
    assert rows["time"]["expected"]["reasons"][0]["code"] == "time.engine_old"
    assert rows["cgroup"]["expected"]["reasons"][0]["code"] == "cgroup.default_v2"
    assert data["scenarios"][0]["containers"][0]["pid_inside"] == 1


def test_html_is_self_contained_and_escaped() -> None:
    page = render_html(course_note_report(), "en")
    assert "<style>" in page and "<script" not in page
    assert "http://" not in page and "https://" not in page and "src=" not in page


def test_conclusion_corrects_the_course_note_in_both_languages() -> None:
    en, ja = (
        render_html(course_note_report("en"), "en"),
        render_html(course_note_report("ja"), "ja"),
    )
    assert "time (4026531834) and user" in en and "initial" in en
    assert "4026531834" in ja and "初期名前空間" in ja and "分離されていたのは" in ja


def test_write_reports_writes_only_what_was_asked(tmp_path: Path) -> None:
    written = write_reports(course_note_report(), tmp_path, ["json", "md"], "en")
    assert [p.name for p in written] == ["report.json", "report.md"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json", "report.md"]
