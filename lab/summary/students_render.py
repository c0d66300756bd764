"""The students' work in the class summary: the page's section, summary.csv's student columns
and summary.json's "students". Every string in them came from a host (see lab.summary.students):
escaped for HTML here, neutralised for spreadsheets by render_csv, and labelled self-reported."""

from __future__ import annotations

import html
import shlex
from collections.abc import Sequence
from datetime import UTC, datetime

from lab.summary.messages import summary_ui
from lab.summary.students import HostStudents, StudentRecord, StudentWork

# The students' command as a student types it; records keep only the arguments after it.
STUDENTS_COMMAND = "nslab-experiment"

STUDENT_CSV_COLUMNS = (
    "student_user",
    "student_uid",
    "self_reported",
    "experiments",
    "checks",
    "answers",
    "last_activity",
    "last_check_time",
    "last_check_matched",
    "last_check_containers",
    "answers_correct",
    "last_answers",
    "dropped_lines",
    "doubted_records",
)


def shown_time(time: str) -> str:
    """A record's time as a person reads it, in UTC (the records' own text stays in JSON/CSV)."""
    try:
        return datetime.fromisoformat(time).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return time


def command_line(record: StudentRecord) -> str:
    return shlex.join([STUDENTS_COMMAND, *record.command])


def student_record(work: StudentWork) -> dict[str, object]:
    """One student on one host for summary.json: counts, the latest verdicts, every record."""
    last_check = work.last_check
    return {
        "host": work.host,
        "uid": work.uid,
        "user": work.user,
        "self_reported": True,
        "experiments": len(work.of_kind("experiment")),
        "checks": len(work.of_kind("check")),
        "answers": len(work.of_kind("answer")),
        "last_activity": work.last_time,
        "last_check": _record_json(last_check) if last_check else None,
        "last_answers": [_record_json(record) for record in work.last_answers],
        "records": [_record_json(record) for record in work.records],
        "dropped_lines": work.dropped,
        "problems": list(work.problems),
        "doubted_records": work.doubts,
    }


def _record_json(record: StudentRecord) -> dict[str, object]:
    shown: dict[str, object] = {
        "kind": record.kind,
        "time": record.time,
        "command": command_line(record),
        "matched": record.matched,
        "doubt": record.doubt or None,
    }
    if record.kind == "answer":
        shown |= {"question": record.question, "answer": record.answer}
        shown["expected"] = record.expected
    else:
        shown |= {"containers": list(record.containers), "mismatched": list(record.mismatched)}
    return shown


def students_json(students: Sequence[HostStudents]) -> dict[str, object]:
    return {
        "self_reported": True,
        "hosts": [
            {"host": each.host, "collected_at": each.collected_at, "refused": list(each.refused)}
            for each in students
            if each.collected_at or each.students
        ],
        "students": [student_record(work) for each in students for work in each.students],
    }


def student_csv_cells(work: StudentWork | None) -> dict[str, object]:
    """The student columns of one summary.csv row (all empty on a host without students)."""
    if work is None:
        return dict.fromkeys(STUDENT_CSV_COLUMNS, "")
    last_check = work.last_check
    answers = work.last_answers
    return {
        "student_user": work.user,
        "student_uid": work.uid,
        "self_reported": "yes",
        "experiments": len(work.of_kind("experiment")),
        "checks": len(work.of_kind("check")),
        "answers": len(work.of_kind("answer")),
        "last_activity": work.last_time or "",
        "last_check_time": last_check.time if last_check else "",
        "last_check_matched": _yes_no(last_check.matched) if last_check else "",
        "last_check_containers": "; ".join(last_check.containers) if last_check else "",
        "answers_correct": f"{sum(a.matched for a in answers)}/{len(answers)}" if answers else "",
        "last_answers": "; ".join(
            f"{a.question}: {a.answer} ({'correct' if a.matched else 'wrong'})" for a in answers
        ),
        "dropped_lines": work.dropped,
        "doubted_records": work.doubts,
    }


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


# --- the page ----------------------------------------------------------------------------

STUDENT_COLUMNS = ("student_user", "host", "last_activity", "ran", "last_check", "answers_col")


def students_html(students: Sequence[HostStudents], lang: str) -> str:
    works = [work for each in students for work in each.students]
    notes = [note for each in students for note in _host_notes(each, lang)]
    if not works and not notes:
        return ""
    headers = "".join(f"<th>{_t(f'students.{key}', lang)}</th>" for key in STUDENT_COLUMNS)
    body = "\n".join(_student_row(work, lang) for work in works) or (
        f'<tr><td colspan="{len(STUDENT_COLUMNS)}">{_t("students.none", lang)}</td></tr>'
    )
    note_list = f'<ul class="notes">{"".join(notes)}</ul>' if notes else ""
    return f"""<h2 id="students-work">{_t("students.title", lang)}</h2>
<p class="self-reported">{_t("students.self_reported", lang)}</p>
{note_list}
<div class="table-wrap">
<table id="students" class="sortable">
<thead><tr>{headers}</tr></thead>
<tbody>
{body}
</tbody>
</table>
</div>"""


def _host_notes(each: HostStudents, lang: str) -> list[str]:
    return [
        f"<li>{_t('students.refused', lang, host=each.host, what=what)}</li>"
        for what in each.refused
    ]


def _student_row(work: StudentWork, lang: str) -> str:
    counts = _t(
        "students.counts",
        lang,
        experiments=len(work.of_kind("experiment")),
        checks=len(work.of_kind("check")),
        answers=len(work.of_kind("answer")),
    )
    history = "".join(_history_item(record, lang) for record in reversed(work.records))
    ran = (
        f"{counts}<details><summary>{_t('students.history', lang)}</summary>"
        f'<ol class="history">{history}</ol></details>'
        if work.records
        else counts
    )
    problems = ""
    if work.dropped:
        listed = "".join(f"<li>{html.escape(problem)}</li>" for problem in work.problems)
        problems = (
            f'<p class="dropped">{_t("students.dropped", lang, n=work.dropped)}</p>'
            f'<ul class="problems">{listed}</ul>'
        )
    return (
        f'<tr data-host="{html.escape(work.host)}" data-uid="{work.uid}">'
        f'<td class="who">{html.escape(work.user)} <span class="uid">(uid {work.uid})</span>'
        f"{problems}</td>"
        f"<td>{html.escape(work.host)}</td>"
        f'<td data-key="{html.escape(work.last_time or "")}"><time>'
        f"{html.escape(shown_time(work.last_time) if work.last_time else '—')}</time></td>"
        f"<td>{ran}</td>"
        f"<td>{_last_check(work.last_check, lang)}</td>"
        f"<td>{_answers(work.last_answers, lang)}</td></tr>"
    )


def _last_check(record: StudentRecord | None, lang: str) -> str:
    if record is None:
        return "—"
    containers = "".join(f"<li>{html.escape(item)}</li>" for item in record.containers)
    mismatched = (
        f"<p>{_t('students.mismatched', lang, types=', '.join(record.mismatched))}</p>"
        if record.mismatched
        else ""
    )
    return (
        f"{_verdict(record, lang)} <time>{html.escape(shown_time(record.time))}</time>"
        f'<ul class="containers">{containers}</ul>{mismatched}{_doubt(record, lang)}'
    )


def _answers(answers: Sequence[StudentRecord], lang: str) -> str:
    if not answers:
        return "—"
    items = "".join(
        f"<li>{_verdict(record, lang)} <code>{html.escape(record.question)}</code>: "
        f"{_t('students.answered', lang)} <q>{html.escape(record.answer)}</q>"
        + (
            ""
            if record.matched
            else f"; {_t('students.machine_showed', lang)} <q>{html.escape(record.expected)}</q>"
        )
        + f"{_doubt(record, lang)}</li>"
        for record in answers
    )
    return f'<ul class="answers">{items}</ul>'


def _history_item(record: StudentRecord, lang: str) -> str:
    if record.kind == "answer":
        what = f" <code>{html.escape(record.question)}</code>: <q>{html.escape(record.answer)}</q>"
    else:
        what = "".join(f" <q>{html.escape(item)}</q>" for item in record.containers)
    when = html.escape(shown_time(record.time))
    command = html.escape(command_line(record))
    return f"<li><time>{when}</time> <code>{command}</code> {_verdict(record, lang)}{what}</li>"


def _verdict(record: StudentRecord, lang: str) -> str:
    kind = "answer" if record.kind == "answer" else "check"
    value = "yes" if record.matched else "no"
    css = "matched" if record.matched else "mismatches"
    if record.doubt:
        css = "unknown"
    text = _t(f"students.{kind}.{value}", lang)
    return f'<span class="badge {css}" data-value="{value}">{text}</span>'


def _doubt(record: StudentRecord, lang: str) -> str:
    if not record.doubt:
        return ""
    return f'<p class="doubt">{_t("students.doubt", lang, why=record.doubt_text(lang))}</p>'


def _t(key: str, lang: str, **params: object) -> str:
    """A message of the page with its parameters, escaped for HTML as a whole."""
    return html.escape(summary_ui(key, lang, **params))
