"""The students' work records on the controller: lab.report.validate checks them against
student_record.schema.json as the jsonschema package does, and the controller's re-checks find
records that contradict themselves (fast, no host: the real collect is in tests/security)."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest

from lab.report.validate import InvalidReport, check_report
from lab.summary.students import SCHEMA_PATH, parse_record, parse_student_file

SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
SIDES = {"observed": "different", "expected": "different", "matched": True}
CHECK = {
    "schema": 1, "kind": "check", "time": "2026-12-07T07:00:00+00:00", "uid": 1000,
    "user": "aiko", "command": ["check", "web1", "web2"], "matched": True,
    "containers": [{"name": "web1", "image": "debian:12", "options": ["--pid host"]}],
    "namespaces": {"net": SIDES, "pid": SIDES},
}  # fmt: skip
ANSWER = {
    "schema": 1, "kind": "answer", "time": "2026-12-07T07:01:00Z", "uid": 1000, "user": "aiko",
    "command": ["quiz"], "matched": True, "question": "host", "answer": "Time, user",
    "expected": "time user", "correct": True,
}  # fmt: skip
CASES: dict[str, dict[str, Any]] = {
    "check": CHECK,
    "answer": ANSWER,
    "unknown key": CHECK | {"grade": "A"},
    "missing key": {key: value for key, value in ANSWER.items() if key != "expected"},
    "long answer": ANSWER | {"answer": "x" * 201},
    "long user": CHECK | {"user": "u" * 65},
    "too many options": CHECK | {"containers": [CHECK["containers"][0] | {"options": ["o"] * 33}]},
    "unknown namespace": CHECK | {"namespaces": {"net": SIDES, "ns9": SIDES}},
    "bad side": CHECK | {"namespaces": {"net": SIDES | {"observed": "maybe"}}},
    "bool for uid": CHECK | {"uid": True},
    "string uid": CHECK | {"uid": "1000"},
    "schema 2": CHECK | {"schema": 2},
    "time without offset": CHECK | {"time": "2026-12-07 07:00"},
    "answer keys on a check": CHECK | {"question": "host"},
}


@pytest.mark.parametrize("name", CASES)
def test_records_pass_and_fail_as_with_jsonschema(name: str) -> None:
    record = CASES[name]
    schema = {**SCHEMA, "$ref": f"#/$defs/{record['kind']}"}
    expected = jsonschema.Draft202012Validator(schema).is_valid(record)
    try:
        check_report(record, schema)
        ours = True
    except InvalidReport:
        ours = False
    assert ours == expected
    assert ours == (name in ("check", "answer"))


def test_answers_are_compared_as_words_and_contradictions_doubted() -> None:
    assert parse_record(json.dumps(ANSWER), 1000).doubt == ""
    # Marked as the students' command marks it: its aliases and a Japanese comma count.
    aliases = ANSWER | {"question": "differ", "answer": "network、 Mount", "expected": "mnt,net"}
    assert parse_record(json.dumps(aliases), 1000).doubt == ""
    lying = ANSWER | {"answer": "net", "expected": "time user"}
    assert "answer is not what the machine showed" in parse_record(json.dumps(lying), 1000).doubt
    modest = ANSWER | {"correct": False, "matched": False}
    assert (
        "yet the answer is what the machine showed" in parse_record(json.dumps(modest), 1000).doubt
    )
    split = ANSWER | {"matched": False}
    assert parse_record(json.dumps(split), 1000).doubt == "its correct and matched differ"


def test_a_check_whose_table_says_otherwise_is_doubted() -> None:
    not_as_expected = {"observed": "same", "expected": "different", "matched": False}
    claims = CHECK | {"namespaces": {"net": SIDES, "pid": not_as_expected}}
    assert (
        "yet its own table shows pid not as expected"
        in parse_record(json.dumps(claims), 1000).doubt
    )
    marks = CHECK | {"namespaces": {"pid": not_as_expected | {"matched": True}}, "matched": True}
    assert "verdict for pid disagrees" in parse_record(json.dumps(marks), 1000).doubt
    honest = CHECK | {"namespaces": {"pid": not_as_expected}, "matched": False}
    record = parse_record(json.dumps(honest), 1000)
    assert (record.doubt, record.mismatched) == ("", ("pid",))
    # Not matched with every row kept as expected: the students' command leaves out a row it
    # could not read, and an experiment record keeps the course note's scenario of several.
    elsewhere = CHECK | {"kind": "experiment", "matched": False}
    assert parse_record(json.dumps(elsewhere), 1000).doubt == ""


def test_a_file_keeps_its_last_200_records_and_counts_the_rest() -> None:
    lines = [json.dumps(CHECK | {"time": f"2026-12-07T07:{m // 60:02}:{m % 60:02}+00:00"})
             for m in range(205)]  # fmt: skip
    work = parse_student_file("pc-01", 1000, "\n".join(lines) + "\n")
    assert (len(work.records), work.dropped) == (200, 5)
    assert work.records[0].time == "2026-12-07T07:00:05+00:00"
    assert "more than the 200" in work.problems[0]
