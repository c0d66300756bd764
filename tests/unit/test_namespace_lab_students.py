"""The collect entry point's reader on a host (plugins/modules/namespace_lab_students.py), on a
real directory tree: what a root student can leave where the records are is named, never
followed, never waited on (the test bed's hosts show the same in tests/security)."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
SPEC = importlib.util.spec_from_file_location(
    "namespace_lab_students", PROJECT / "plugins" / "modules" / "namespace_lab_students.py"
)
assert SPEC and SPEC.loader
students = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(students)


def test_only_record_files_are_read_and_the_rest_is_named(tmp_path: Path) -> None:
    records = tmp_path / "students"
    records.mkdir()
    (records / "1000.jsonl").write_text('{"schema": 1}\n')
    os.mkfifo(records / "1001.jsonl")
    (records / "1002.jsonl").symlink_to("/etc/passwd")
    (records / "1003.jsonl").write_bytes(b"x" * 65537)
    (records / "notes.txt").write_text("hello")
    (records / ".1000.jsonl.ab12.partial").write_text("half a line")

    read = students.read_records(str(records), 65536, 500)

    assert read["files"] == [{"name": "1000.jsonl", "content": '{"schema": 1}\n'}]
    assert read["refused"] == [
        "1001.jsonl: not a regular file, not read",
        "1002.jsonl: a symbolic link, not followed",
        "1003.jsonl: larger than 64 KiB, not read",
        "'notes.txt': not a student's record file (<uid>.jsonl)",
    ]


def test_a_records_directory_that_is_a_link_or_a_file_is_not_read(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "0.jsonl").write_text("root's\n")
    (tmp_path / "linked").symlink_to(elsewhere)
    (tmp_path / "file").write_text("")
    for name in ("linked", "file"):
        path = str(tmp_path / name)
        assert students.read_records(path, 65536, 500) == {
            "files": [],
            "refused": [f"{path}: a symbolic link or not a directory, not read"],
        }
    # No students yet: nothing to say.
    assert students.read_records(str(tmp_path / "none"), 65536, 500) == {
        "files": [],
        "refused": [],
    }


def test_a_directory_of_many_entries_is_read_up_to_the_bound(tmp_path: Path) -> None:
    for uid in range(5):
        (tmp_path / f"{uid}.jsonl").write_text(f"{uid}\n")
    read = students.read_records(str(tmp_path), 65536, 3)
    assert [file["name"] for file in read["files"]] == ["0.jsonl", "1.jsonl", "2.jsonl"]
    assert read["refused"] == [f"5 entries in {tmp_path}; only the first 3 read"]
