"""The exercise's key is the machine's: the same questions have other answers on Engine 29.5+,
under userns-remap, with time-namespaces=false or on cgroup v1, and a wrong answer gets the
report's reason for each type it got wrong, in both languages.

The test bed's real engines (tests/security/test_students_command.py) are Docker 20.10 without
userns-remap; engines nslab cannot run here are given as the fingerprints the experiment reads.
"""

from __future__ import annotations

import pytest
from experiment_fakes import fingerprint

from lab.experiment import check, quiz
from lab.experiment.check import default_expectations
from lab.report.explain import reason_text

# engine -> (fingerprint arguments, right answers: differ, host, time-user)
ENGINES = {
    "Docker 20.10, cgroup v2 (the course note's machine)": (
        {},
        ("cgroup,ipc,mnt,net,pid,uts", "time,user", "1,5"),
    ),
    "Docker 20.10, cgroup v1": (
        {"cgroup": "1"},
        ("ipc,mnt,net,pid,uts", "cgroup,time,user", "1,5"),
    ),
    "Engine 29.5, kernel 6.1": (
        {"engine": "29.5.0"},
        ("cgroup,ipc,mnt,net,pid,time,uts", "user", "4,5"),
    ),
    "Engine 29.5, time-namespaces=false": (
        {"engine": "29.5.0", "features": {"time-namespaces": False}},
        ("cgroup,ipc,mnt,net,pid,uts", "time,user", "3,5"),
    ),
    "Engine 29.5, kernel 5.4": (
        {"engine": "29.5.0", "kernel": "5.4.0"},
        ("cgroup,ipc,mnt,net,pid,uts", "time,user", "2,5"),
    ),
    "Docker 20.10 with userns-remap": (
        {"userns_remap": True},
        ("cgroup,ipc,mnt,net,pid,user,uts", "time", "1,6"),
    ),
}


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("lang", ["en", "ja"])
def test_each_question_is_marked_against_the_machine(engine: str, lang: str) -> None:
    facts, right = ENGINES[engine]
    defaults = default_expectations(fingerprint(**facts), None)
    for question, answer in zip(quiz.QUESTIONS, right, strict=True):
        marked = quiz.mark(question, answer, defaults, lang)
        assert (marked.correct, marked.expected, marked.explanation) == (True, answer, []), marked
        # The answer the course note's machine would give is wrong wherever this one differs.
        course_note = ENGINES["Docker 20.10, cgroup v2 (the course note's machine)"][1]
        wrong = course_note[quiz.QUESTIONS.index(question)] if course_note != right else "none"
        if wrong == answer:
            continue
        marked = quiz.mark(question, wrong, defaults, lang)
        assert not marked.correct and marked.expected == answer
        first, *reasons = marked.explanation
        assert answer in first and reasons, marked.explanation
        changed = {"time", "user"} if question == "time-user" else set()
        if question != "time-user":
            changed = set(answer.split(",")).symmetric_difference(wrong.split(",")) - {"none"}
        assert {line.split(":")[0].strip() for line in reasons} == changed, reasons
        if lang == "ja":
            assert "このマシンの結果とは違います" in first


def test_answers_are_read_as_a_student_types_them() -> None:
    defaults = default_expectations(fingerprint(), None)
    for typed in ("UTS, pid net mount ipc cgroup", "cgroup、ipc、mnt、network、pid、uts"):
        assert quiz.mark("differ", typed, defaults, "en").correct, typed
    assert quiz.mark("time-user", " 5, 1 ", defaults, "en").correct
    assert quiz.mark(
        "host",
        "なし",
        default_expectations(fingerprint(engine="29.5.0", userns_remap=True), None),
        "ja",
    ).correct
    # A word that is no namespace type is said, escaped (nothing typed reaches the terminal raw).
    marked = quiz.mark("differ", "pid,\x1b[2Jfoo", defaults, "en")
    assert not marked.correct and "\x1b" not in "\n".join(marked.explanation)
    assert "\\x1b[2jfoo" in "\n".join(marked.explanation)


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_check_says_why_time_and_user_are_as_they_are_on_this_machine(lang: str) -> None:
    """The course note's remark (time and user shared) as the students' check words it: the
    machine's own reason, which under userns-remap is why user is not shared."""
    plain = check.time_and_user(default_expectations(fingerprint(), None), lang)
    remapped = default_expectations(fingerprint(userns_remap=True), None)
    remap = check.time_and_user(remapped, lang)
    assert [line.split(":")[0] for line in plain] == ["  time", "  user"], plain
    assert plain[0] == remap[0]  # the remap changes nothing for time
    (reason,) = remapped["user"].reasons
    assert reason.code == "user.remap" and remap[1] == f"  user: {reason_text(reason, lang)}"
    assert plain[1] != remap[1]
