"""Each record the students' command keeps has exactly the keys and types of the work record's
contract with the controller (`nslab collect`): schema 1; check/experiment with containers and
the eight namespace types; answer with question, answer, expected, correct. The real file's
ownership, bounds and links are tested on a real host (tests/security/test_students_command.py).
"""

from __future__ import annotations

import json
import os
from datetime import datetime

from experiment_fakes import course_note_report

from lab.experiment import records
from lab.experiment.students import experiment_record

COMMON = {"schema", "kind", "time", "uid", "user", "command", "matched"}
VERDICTS = ("same", "different")


def common_keys_hold(entry: dict, kind: str) -> None:
    assert entry["schema"] == 1 and entry["kind"] == kind
    assert datetime.fromisoformat(entry["time"]).utcoffset().total_seconds() == 0
    assert isinstance(entry["uid"], int) and isinstance(entry["user"], str)
    assert all(isinstance(arg, str) and len(arg) <= 200 for arg in entry["command"])
    assert isinstance(entry["matched"], bool)
    json.loads(json.dumps(entry, ensure_ascii=False))  # one JSON object, as the line holds it


def test_a_check_or_experiment_record_has_the_contracts_keys() -> None:
    report = course_note_report()
    scenario = report.scenarios[0]
    options = {"container2": ["--pid=host"]}
    entry = records.record(
        "check",
        os.getuid(),
        ["check", "web1", "web2"],
        True,
        **records.scenario_fields(scenario, options),
    )
    assert set(entry) == COMMON | {"containers", "namespaces"}
    common_keys_hold(entry, "check")
    assert [set(c) for c in entry["containers"]] == [{"name", "image", "options"}] * 2
    assert [c["options"] for c in entry["containers"]] == [[], ["--pid=host"]]
    assert sorted(entry["namespaces"]) == list(records.TYPES)
    for verdict in entry["namespaces"].values():
        assert set(verdict) == {"observed", "expected", "matched"}
        assert verdict["observed"] in VERDICTS and verdict["expected"] in VERDICTS
        assert verdict["matched"] is (verdict["observed"] == verdict["expected"])
    # The course note's own table, as nslab predicts it on Docker 20.10 with cgroup v2.
    assert [t for t, v in entry["namespaces"].items() if v["observed"] == "same"] == [
        "time",
        "user",
    ]

    class Invoker:
        uid = os.getuid()

    ran = experiment_record(report, Invoker(), ["--scenario", "all"])
    assert set(ran) == set(entry) and ran["kind"] == "experiment"
    assert ran["command"] == ["--scenario", "all"]


def test_an_answer_record_has_the_contracts_keys_and_keeps_what_was_typed_short() -> None:
    typed = records.text("pid, net" + "\udcff" + "x" * 1000)  # an argv byte that is not UTF-8
    entry = records.record(
        "answer",
        os.getuid(),
        ["quiz", "--answer", "differ=" + typed],
        False,
        question="differ",
        answer=typed,
        expected="cgroup,ipc,mnt,net,pid,uts",
        correct=False,
    )
    assert set(entry) == COMMON | {"question", "answer", "expected", "correct"}
    common_keys_hold(entry, "answer")
    assert len(entry["answer"]) == 200 and entry["answer"].startswith("pid, net\\udcff")
    assert json.dumps(entry, ensure_ascii=False).encode()  # encodes: no lone surrogate left
