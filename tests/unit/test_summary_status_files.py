"""`nslab report --statuses`: the playbook's summary play writes every host's status.json and
builds the summary in one process."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import pytest
from summary_reports import make_report, write_host

from lab.cli import main


def test_statuses_are_written_then_summarised(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    reports = tmp_path / "reports"
    write_host(reports, "vm-a", report=make_report("vm-a", "20.10.24"))
    report_sha1 = hashlib.sha1((reports / "vm-a" / "report.json").read_bytes()).hexdigest()
    records = [
        {
            "host": "vm-a",
            "status": "ok",
            "reason": "",
            "student_id": "s001",
            "os": {"distribution": "Debian", "version": "12.11", "codename": "bookworm"},
            "docker_source": "download.docker.com",
            "report_sha1": report_sha1,
        },
        # A host lost during the run has no folder yet: it gets one, with its status.
        {"host": "vm-b", "status": "unreachable", "reason": "gone", "report_sha1": ""},
    ]
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(records)))

    argv = [
        "report",
        "--reports-dir",
        str(reports),
        "--statuses",
        "-",
        "--host=vm-a",
        "--host=vm-b",
    ]
    assert main(argv) == 0

    written = (reports / "vm-a" / "status.json").read_text()
    # As Ansible's to_nice_json wrote it before: sorted keys, 4 spaces, a final newline.
    assert written == json.dumps(records[0], indent=4, sort_keys=True) + "\n"
    summary = json.loads((reports / "summary.json").read_text())
    rows = {row["host"]: row for row in summary["hosts"]}
    assert rows["vm-a"]["status"] == "ok" and rows["vm-a"]["student_id"] == "s001"
    assert rows["vm-b"]["status"] == "unreachable" and rows["vm-b"]["reason"] == "gone"
    assert "vm-b" in capsys.readouterr().out


def test_no_statuses_still_creates_the_reports_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("[]"))

    assert main(["report", "--reports-dir", str(tmp_path / "reports"), "--statuses", "-"]) == 0
    assert (tmp_path / "reports" / "summary.json").is_file()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "are not JSON"),
        ('{"host": "vm-a"}', "must be a JSON list of objects"),
        ('[{"host": "../elsewhere"}]', "names no usable host ('../elsewhere')"),
        ('[{"host": "vm-a"}, {"status": "ok"}]', "names no usable host (None)"),
    ],
)
def test_bad_records_are_refused_before_anything_is_written(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    text: str,
    message: str,
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(text))

    assert main(["report", "--reports-dir", str(tmp_path / "reports"), "--statuses", "-"]) == 2

    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "reports" / "vm-a").exists()


def test_a_full_run_hands_over_statuses_and_the_students_work_together(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--records -` as playbooks/lab.yml's summary play passes it after a run with the collect
    play (the outcome of each host and what collect read on it), and as a collect alone passes
    it (no statuses: the last ones stay)."""
    reports = tmp_path / "reports"
    record = {
        "schema": 1, "kind": "answer", "time": "2026-12-07T07:00:00+00:00", "uid": 1000,
        "user": "aiko", "command": ["quiz"], "matched": True, "question": "host",
        "answer": "time user", "expected": "time,user", "correct": True,
    }  # fmt: skip
    read = {"files": [{"name": "1000.jsonl", "content": json.dumps(record) + "\n"}], "refused": []}
    run = {
        "statuses": [{"host": "vm-a", "outcome": {"status": "failed", "reason": "apt"}}],
        "students": {"vm-a": read},
    }
    argv = ["report", "--reports-dir", str(reports), "--records", "-", "--host=vm-a"]
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(run)))
    assert main(argv) == 0
    assert json.loads((reports / "vm-a" / "status.json").read_text())["reason"] == "apt"
    assert (reports / "vm-a" / "students" / "1000.jsonl").read_text() == read["files"][0]["content"]

    # A collect alone, later: the status stays, the students' work is brought home again.
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(run | {"statuses": None})))
    (reports / "vm-a" / "students" / "1000.jsonl").unlink()
    assert main(argv) == 0
    summary = json.loads((reports / "summary.json").read_text())
    assert [(row["host"], row["status"]) for row in summary["hosts"]] == [("vm-a", "failed")]
    (student,) = summary["students_work"]["students"]
    assert (student["user"], student["answers"], student["doubted_records"]) == ("aiko", 1, 0)
