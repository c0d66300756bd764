"""Reading /proc/<pid>/ns: identity by os.stat, link text kept, every exposed type discovered."""

from __future__ import annotations

import os
from pathlib import Path

from experiment_fakes import COURSE_NOTE_PIDS, course_note_proc, fake_proc

from lab.experiment.namespaces import read_namespaces, read_nspid


def test_identity_follows_the_link_and_text_is_the_course_notes(tmp_path: Path) -> None:
    proc = course_note_proc(tmp_path)
    first = read_namespaces(COURSE_NOTE_PIDS["container1"], proc)
    second = read_namespaces(COURSE_NOTE_PIDS["container2"], proc)
    assert first["time"].link == "time:[4026531834]"
    assert first["time"].identity == second["time"].identity
    assert first["user"].identity == second["user"].identity
    assert first["net"].identity != second["net"].identity
    # pid_for_children is its own entry but the same namespace as pid here.
    assert first["pid_for_children"].identity == first["pid"].identity


def test_types_are_discovered_by_listing(tmp_path: Path) -> None:
    proc = fake_proc(tmp_path, {7: {"net": 1, "newtype": 2}})
    assert sorted(read_namespaces(7, proc)) == ["net", "newtype"]


def test_real_proc_agrees_with_readlink() -> None:
    refs = read_namespaces("self")
    for name, ref in refs.items():
        assert ref.link == os.readlink(f"/proc/self/ns/{name}")
        assert ref.link.endswith(f"[{ref.inode}]")


def test_nspid_lists_nested_pids(tmp_path: Path) -> None:
    status = tmp_path / "proc/4242/status"
    status.parent.mkdir(parents=True)
    status.write_text("Name:\tsleep\nNSpid:\t4242\t1\nUid:\t0\n")
    assert read_nspid(4242, tmp_path / "proc") == [4242, 1]
