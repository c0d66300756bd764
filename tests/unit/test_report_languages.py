"""Both languages, everywhere a person reads: every message exists in English and Japanese, and a
Japanese page (report HTML, Markdown, terminal; class summary) keeps no English word of its own."""

from __future__ import annotations

import dataclasses
import string
from pathlib import Path

import pytest
from experiment_fakes import course_note_report
from page_words import untranslated, visible_text
from summary_reports import ISOLATED, SHARED, make_report, write_host

from lab.cli import main
from lab.experiment.check import SCENARIO as CHECK_SCENARIO
from lab.experiment.scenarios import SCENARIOS as SCENARIO_SPECS
from lab.report import messages
from lab.report.html import render_html
from lab.report.markdown import render_markdown
from lab.report.model import Relations, Report
from lab.report.terminal import render_terminal
from lab.summary import write_class_summary
from lab.summary.messages import SUMMARY_UI
from lab.summary.render import render_text

CATALOGUES = {
    "REASONS": messages.REASONS,
    "CHECKS": messages.CHECKS,
    "OUTCOMES": messages.OUTCOMES,
    "DETAIL_KEYS": messages.DETAIL_KEYS,
    "SCENARIOS": messages.SCENARIOS,
    "UI": messages.UI,
    "THIS_HOST": messages.THIS_HOST,
    "SUMMARY_UI": SUMMARY_UI,
}


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("name", sorted(CATALOGUES))
def test_every_message_has_both_languages_with_the_same_blanks(name: str) -> None:
    catalogue = CATALOGUES[name]
    assert set(catalogue) == set(messages.LANGUAGES)
    assert set(catalogue["en"]) == set(catalogue["ja"])
    for key, english in catalogue["en"].items():
        assert placeholders(english) == placeholders(catalogue["ja"][key]), key


def test_the_course_note_correction_and_every_scenario_in_both_languages() -> None:
    assert set(messages.NOTE_CORRECTION) == set(messages.LANGUAGES)
    for lang in messages.LANGUAGES:
        # Every scenario the experiment runs, and the students' check of their own containers.
        assert set(messages.SCENARIOS[lang]) == {*SCENARIO_SPECS, CHECK_SCENARIO}


def test_the_japanese_names_the_course_note_one_way() -> None:
    japanese = " ".join(
        [
            messages.NOTE_CORRECTION["ja"],
            *(t for c in CATALOGUES.values() for t in c["ja"].values()),
        ]
    )
    assert "講義ノート" in japanese
    assert "元の資料" not in japanese and "資料" not in japanese.replace("講義ノート", "")


def with_surprises(report: Report) -> Report:
    """The course note's report with a mismatch and a failed check: every sentence gets rendered."""
    scenario = report.scenarios[0]
    flipped = Relations(isolated=True, container1_shares_host=False, container2_shares_host=False)
    rows = [
        dataclasses.replace(row, observed=flipped, match=False) if row.name == "time" else row
        for row in scenario.namespaces
    ]
    evidence = [
        dataclasses.replace(check, observed="same", passed=False) if index == 0 else check
        for index, check in enumerate(scenario.evidence)
    ]
    changed = dataclasses.replace(scenario, namespaces=rows, evidence=evidence)
    return dataclasses.replace(report, scenarios=[changed])


def shown_data(report: Report) -> list[str]:
    """Values the pages show as they are: names, versions, inode links, raw check values."""
    fp, docker = report.fingerprint, report.fingerprint.docker
    values = [
        fp.hostname,
        fp.kernel,
        fp.boot_id,
        fp.os_release.get("PRETTY_NAME", ""),
        docker.server_version,
        docker.cgroup_driver or "",
        *docker.security_options,
        *fp.host_namespace_types,
        report.image,
        report.run_id,
        report.started_at,
        *report.mismatches,
    ]
    for scenario in report.scenarios:
        values.append(scenario.name)
        values += [arg for args in scenario.docker_args.values() for arg in args]
        for container in scenario.containers:
            values += [container.name, container.id, container.state]
        for row in scenario.namespaces:
            values += [ref.link for ref in row.refs.values() if ref]
        for check in scenario.evidence:
            values += list(check.detail.values())
    return values


PAGES = {
    "html": lambda report, lang: visible_text(render_html(report, lang)),
    "md": render_markdown,
    "terminal": render_terminal,
}


@pytest.mark.parametrize("page", sorted(PAGES))
def test_a_japanese_report_keeps_no_english_of_its_own(page: str) -> None:
    report = with_surprises(course_note_report("ja"))
    text = PAGES[page](report, "ja")

    assert untranslated(text, shown_data(report)) == set()
    # The check sees English when it is there: the English page is full of it.
    english = untranslated(PAGES[page](report, "en"), shown_data(report))
    assert {"namespaces", "expected"} <= {w.lower() for w in english}


def test_the_class_summary_in_japanese_keeps_no_english_of_its_own(tmp_path: Path) -> None:
    types = {"cgroup": ISOLATED, "net": ISOLATED, "time": SHARED, "user": SHARED}
    write_host(
        tmp_path,
        "vm-a",
        report=make_report("vm-a", "29.5.0", ("time",), types=types, scenario="baseline"),
        status={"status": "ok", "student_id": "s001"},
    )
    write_host(tmp_path, "vm-b", status={"status": "failed", "reason": "apt: 404 Not Found"})
    summary = write_class_summary(tmp_path, lang="ja")
    data = [
        "vm-a",
        "vm-b",
        "s001",
        "29.5.0",
        "apt: 404 Not Found",
        "baseline/namespace:time",
        summary.generated_at,
        *types,
    ]

    page = summary.index_html.read_text()
    assert '<html lang="ja">' in page
    for text in (visible_text(page), render_text(summary.rows, "ja")):
        assert untranslated(text, data) == set()
    english = visible_text(write_class_summary(tmp_path, lang="en").index_html.read_text())
    assert {"summary", "finished"} <= untranslated(english, data)


def test_nslab_report_speaks_the_language_asked_for_or_the_locales(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write_host(
        tmp_path,
        "vm-a",
        report=make_report("vm-a", "29.5.0", scenario="baseline"),
        status={"status": "ok", "student_id": "s001"},
    )
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")

    assert main(["report", "--reports-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["ホスト", "学生", "状態", "Docker", "判定", "詳細"]
    assert "クラスのまとめ:" in out
    assert '<html lang="ja">' in (tmp_path / "index.html").read_text()

    assert main(["report", "--reports-dir", str(tmp_path), "--lang", "en"]) == 0
    assert capsys.readouterr().out.startswith("HOST")
    assert '<html lang="en">' in (tmp_path / "index.html").read_text()
