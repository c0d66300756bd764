"""The students' own work, as each host records it and `nslab collect` brings it home.

    reports/<host>/students/<uid>.jsonl   one file per student (uid on the host), fetched from
                                          the host's /var/lib/nslab/students/; one JSON record
                                          per line (student_record.schema.json)
    reports/<host>/students/collect.json  when they were brought home, and the host's files
                                          that were refused (not a regular file, too large)

Everything in these files is the host's claim, and a student who is root on their host can
write anything there: each line is checked against the schema (a line that fails is dropped and
counted, never half-read), every string is escaped wherever it is shown, and what the controller
can work out again from a record itself it re-checks (`doubt`): a check claiming a verdict its
own namespace table contradicts, an answer marked correct that differs from what the machine
showed. The summary labels all of it "self-reported".
"""

from __future__ import annotations

import errno
import json
import os
import re
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from lab.experiment.quiz import normalised
from lab.experiment.records import MAX_BYTES, MAX_RECORDS  # a file over them is not the command's
from lab.report.files import write_whole
from lab.report.validate import InvalidReport, check_report
from lab.summary.messages import summary_ui
from lab.untrusted import host_name_problem

STUDENTS_DIR = "students"
COLLECT_NOTE = "collect.json"
SCHEMA_PATH = Path(__file__).with_name("student_record.schema.json")
# What the summary keeps of why lines were dropped (the count is always whole).
MAX_PROBLEMS = 5
_FILE_NAME = re.compile(r"^([0-9]{1,10})\.jsonl$")


class StudentFilesError(ValueError):
    """What a host sent for its students cannot be written under the reports directory."""


@dataclass(frozen=True)
class StudentRecord:
    """One checked line: what the student did, as the host says, and the controller's doubt."""

    kind: str  # check | answer | experiment
    time: str
    user: str
    command: tuple[str, ...]
    matched: bool
    # For check and experiment: each container as "name (image, options)", and the namespace
    # types whose observation differed from the expectation.
    containers: tuple[str, ...] = ()
    mismatched: tuple[str, ...] = ()
    # For answer.
    question: str = ""
    answer: str = ""
    expected: str = ""
    # Why the controller does not believe the record's own verdict: a message key of the
    # summary's catalogue ("doubt.*"; "" : nothing found) and its parameters.
    doubt_key: str = ""
    doubt_args: tuple[tuple[str, str], ...] = ()

    def doubt_text(self, lang: str = "en") -> str:
        if not self.doubt_key:
            return ""
        return summary_ui(f"doubt.{self.doubt_key}", lang, **dict(self.doubt_args))

    @property
    def doubt(self) -> str:
        """The doubt in English ("" : none), as summary.json keeps it."""
        return self.doubt_text("en")


@dataclass(frozen=True)
class StudentWork:
    """One student on one host: their checked records, oldest first, and what was dropped."""

    host: str
    uid: int
    records: tuple[StudentRecord, ...] = ()
    dropped: int = 0
    problems: tuple[str, ...] = ()

    @property
    def user(self) -> str:
        return self.records[-1].user if self.records else f"uid {self.uid}"

    def of_kind(self, kind: str) -> tuple[StudentRecord, ...]:
        return tuple(record for record in self.records if record.kind == kind)

    @property
    def last_time(self) -> str | None:
        return max((record.time for record in self.records), default=None)

    @property
    def last_check(self) -> StudentRecord | None:
        checks = self.of_kind("check") + self.of_kind("experiment")
        return max(checks, key=lambda record: record.time, default=None)

    @property
    def last_answers(self) -> tuple[StudentRecord, ...]:
        """The latest answer to each question, in the order the questions were first asked."""
        latest: dict[str, StudentRecord] = {}
        for record in self.of_kind("answer"):
            if record.question not in latest or record.time >= latest[record.question].time:
                latest[record.question] = record
        return tuple(latest.values())

    @property
    def doubts(self) -> int:
        return sum(bool(record.doubt) for record in self.records)


@dataclass(frozen=True)
class HostStudents:
    """A host's students, with what the last collect refused to bring home."""

    host: str
    students: tuple[StudentWork, ...] = ()
    collected_at: str | None = None
    refused: tuple[str, ...] = field(default=())


# --- reading what was brought home --------------------------------------------------------


def read_host_students(reports_dir: Path, host: str) -> HostStudents:
    """The students' work in reports/<host>/students/ (empty when nothing was collected)."""
    folder = reports_dir / host / STUDENTS_DIR
    if host_name_problem(host) or not _is_real_dir(folder):
        return HostStudents(host)
    note = _read_note(folder)
    students = []
    for entry in sorted(os.listdir(folder)):
        found = _FILE_NAME.match(entry)
        if found:
            text, problem = _read_bounded(folder / entry)
            uid = int(found.group(1))
            students.append(parse_student_file(host, uid, text) if problem is None else
                            StudentWork(host, uid, dropped=1, problems=(problem,)))  # fmt: skip
    return HostStudents(
        host=host,
        students=tuple(students),
        collected_at=_text(note.get("collected_at"), 40),
        refused=tuple(_text(item, 300) or "" for item in note.get("refused", [])[:MAX_PROBLEMS])
        if isinstance(note.get("refused"), list)
        else (),
    )


def parse_student_file(host: str, uid: int, text: str) -> StudentWork:
    """Each line checked on its own: a broken or hostile line is dropped and counted."""
    records, problems, dropped = [], [], 0
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) > MAX_RECORDS:
        dropped += len(lines) - MAX_RECORDS
        problems.append(f"{len(lines)} lines, more than the {MAX_RECORDS} a record file keeps")
        lines = lines[-MAX_RECORDS:]
    for number, line in enumerate(lines, start=1):
        try:
            records.append(parse_record(line, uid))
        except InvalidReport as error:
            dropped += 1
            problems.append(f"line {number}: {error}")
    records.sort(key=lambda record: record.time)
    return StudentWork(host, uid, tuple(records), dropped, tuple(problems[:MAX_PROBLEMS]))


def parse_record(line: str, uid: int) -> StudentRecord:
    try:
        data = json.loads(line)
    except ValueError as error:
        raise InvalidReport(f"not JSON ({error.__class__.__name__})") from error
    if not isinstance(data, dict):
        raise InvalidReport("not a JSON object")
    kind = data.get("kind")
    if kind not in ("check", "answer", "experiment"):
        raise InvalidReport("$.kind is not check, answer or experiment")
    check_report(data, {**_schema(), "$ref": f"#/$defs/{kind}"})
    if data["uid"] != uid:
        # Each student's file is theirs: a record claiming another uid was not written there.
        raise InvalidReport(f"$.uid is {data['uid']}, in the file of uid {uid}")
    common = {
        "kind": kind,
        "time": data["time"],
        "user": data["user"],
        "command": tuple(data["command"]),
        "matched": data["matched"],
    }
    if kind == "answer":
        return StudentRecord(
            **common,
            question=data["question"],
            answer=data["answer"],
            expected=data["expected"],
            doubt_key=_answer_doubt(data),
        )
    namespaces = data["namespaces"]
    return StudentRecord(
        **common,
        containers=tuple(_container(item) for item in data["containers"]),
        mismatched=tuple(name for name, row in namespaces.items() if not row["matched"]),
        **_check_doubt(data["matched"], namespaces),
    )


@cache
def _schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def _check_doubt(matched: bool, namespaces: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """What the record's own table says against its verdict (the record's doubt fields)."""
    wrong_rows = [
        name
        for name, row in namespaces.items()
        if row["matched"] != (row["observed"] == row["expected"])
    ]
    if wrong_rows:
        return {"doubt_key": "row", "doubt_args": (("types", ", ".join(wrong_rows)),)}
    # Only "matched" can be contradicted by the table: a run that did not match may have done so
    # in a row the host could not read (left out of the record) or, for the experiment, in a
    # scenario other than the course note's one the record keeps.
    not_as_expected = [name for name, row in namespaces.items() if not row["matched"]]
    if matched and not_as_expected:
        return {"doubt_key": "verdict", "doubt_args": (("types", ", ".join(not_as_expected)),)}
    return {}


def _answer_doubt(data: Mapping[str, Any]) -> str:
    if data["correct"] != data["matched"]:
        return "flags"
    # Marked again as the students' command marks it (its words, aliases and separators).
    same = normalised(data["question"], data["answer"]) == normalised(
        data["question"], data["expected"]
    )
    if data["correct"] != same:
        return "marked_correct" if data["correct"] else "marked_wrong"
    return ""


def _container(item: Mapping[str, Any]) -> str:
    details = ", ".join([item["image"], *item["options"]])
    return f"{item['name']} ({details})"


def _is_real_dir(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def _read_bounded(path: Path) -> tuple[str, str | None]:
    """The file's text, or why it was not read: never through a symlink, never past the bound."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as error:
        if error.errno == errno.ELOOP:
            return "", f"{path.name} is a symbolic link: not followed"
        return "", f"{path.name} unreadable: {error.strerror}"
    with os.fdopen(fd, "rb") as file:
        if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
            return "", f"{path.name} is not a regular file"
        data = file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        return "", f"{path.name} is larger than {MAX_BYTES // 1024} KiB: not read"
    return data.decode("utf-8", errors="replace"), None


def _read_note(folder: Path) -> dict[str, Any]:
    text, problem = _read_bounded(folder / COLLECT_NOTE)
    try:
        note = json.loads(text) if problem is None else {}
    except ValueError:
        return {}
    return note if isinstance(note, dict) else {}


def _text(value: object, limit: int) -> str | None:
    return value[:limit] if isinstance(value, str) and value else None


# --- writing what a collect fetched -------------------------------------------------------


def write_student_files(
    reports_dir: Path, fetched: Mapping[str, Mapping[str, Any]], collected_at: str
) -> None:
    """reports/<host>/students/ made the host's set of record files, as the collect read them
    from the host ({host: {"files": [{"name", "content"}], "refused": [str]}}). Written into
    a private directory through new files renamed into place: a symbolic link there is replaced,
    never followed; files the host no longer has go."""
    checked = {host: _checked_files(host, found) for host, found in fetched.items()}
    for host, (files, refused) in checked.items():
        host_dir = reports_dir / host
        host_dir.mkdir(mode=0o700, exist_ok=True)
        folder = host_dir / STUDENTS_DIR
        if os.path.lexists(folder) and not _is_real_dir(folder):
            folder.unlink()  # not ours: a link or a file where the folder goes
        folder.mkdir(mode=0o700, exist_ok=True)
        # Students' own words: readable by the instructor only, as the folder is.
        for name, content in files.items():
            write_whole(folder / name, content, mode=0o600)
        note = {"collected_at": collected_at, "refused": refused}
        note_text = json.dumps(note, indent=2, ensure_ascii=False) + "\n"
        write_whole(folder / COLLECT_NOTE, note_text, mode=0o600)
        for entry in os.listdir(folder):
            if _FILE_NAME.match(entry) and entry not in files:
                (folder / entry).unlink()


def _checked_files(host: str, found: Mapping[str, Any]) -> tuple[dict[str, str], list[str]]:
    problem = host_name_problem(host)
    if problem or not isinstance(found, Mapping):
        raise StudentFilesError(f"students' records for an unusable host {host!r}: not written")
    files: dict[str, str] = {}
    refused = [str(item) for item in found.get("refused") or [] if isinstance(item, str)]
    for item in found.get("files") or []:
        name = item.get("name") if isinstance(item, Mapping) else None
        content = item.get("content") if isinstance(item, Mapping) else None
        if not isinstance(name, str) or not _FILE_NAME.match(name) or not isinstance(content, str):
            refused.append(f"{str(name)[:80]!r}: not a student's record file (<uid>.jsonl)")
        elif len(content.encode("utf-8")) > MAX_BYTES:
            refused.append(f"{name} is larger than {MAX_BYTES // 1024} KiB: not kept")
        else:
            files[name] = content
    return files, refused


def students_of(reports_dir: Path, hosts: Sequence[str]) -> tuple[HostStudents, ...]:
    return tuple(read_host_students(reports_dir, host) for host in hosts)
