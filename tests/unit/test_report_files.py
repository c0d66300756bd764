"""write_whole: the one write-then-rename of every file a reader may open while nslab writes it
(the hosts' reports, the class summary, the students' records brought home)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from lab.report.files import write_whole
from lab.summary.students import STUDENTS_DIR, write_student_files


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    before = os.umask(0o022)
    yield
    os.umask(before)


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_text_is_written_as_it_is_in_the_encoding_asked(tmp_path: Path) -> None:
    """summary.csv: utf-8-sig and CSV's own line ends, byte for byte."""
    path = tmp_path / "summary.csv"
    path.write_text("old\n")
    write_whole(path, "host,名前\r\nvm-a,Ada\r\n", encoding="utf-8-sig")
    assert path.read_bytes() == "\ufeffhost,名前\r\nvm-a,Ada\r\n".encode()
    assert os.listdir(tmp_path) == ["summary.csv"]
    assert mode_of(path) == 0o644  # as open() makes it: 0666 less the umask


def test_a_failed_write_leaves_the_old_file_whole_and_nothing_else(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    path.write_text('{"old": true}\n')
    with pytest.raises(UnicodeEncodeError):
        write_whole(path, '{"new": "\ud800"}\n')  # a lone surrogate: utf-8 cannot encode it
    assert path.read_text() == '{"old": true}\n'
    assert os.listdir(tmp_path) == ["report.json"]


def test_a_link_where_the_file_goes_is_replaced_never_written_through(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("not nslab's\n")
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "index.html").symlink_to(victim)
    write_whole(reports / "index.html", "<!doctype html>\n")
    assert victim.read_text() == "not nslab's\n"
    assert not (reports / "index.html").is_symlink()
    assert (reports / "index.html").read_text() == "<!doctype html>\n"


def test_the_students_records_brought_home_stay_private(tmp_path: Path) -> None:
    record = '{"schema": 1}\n'
    fetched = {"vm-a": {"files": [{"name": "1000.jsonl", "content": record}], "refused": []}}
    write_student_files(tmp_path, fetched, "2026-12-07T16:00:00+00:00")
    folder = tmp_path / "vm-a" / STUDENTS_DIR
    assert sorted(os.listdir(folder)) == ["1000.jsonl", "collect.json"]
    assert (folder / "1000.jsonl").read_text() == record
    assert {mode_of(path) for path in folder.iterdir()} == {0o600}
