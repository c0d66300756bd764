"""lab.report.validate (standard library, runs on the controller and the hosts) agrees with the
jsonschema package on report.schema.json: the same documents pass, the same ones fail."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from lab.report.validate import InvalidReport, check_report, report_schema

GOLDEN = sorted((Path(__file__).resolve().parents[1] / "golden").glob("*.json"))


def changed(path: str, value: Any) -> dict[str, Any]:
    report = json.loads(GOLDEN[0].read_text(encoding="utf-8"))
    *parents, last = path.split(".")
    target: Any = report
    for part in parents:
        target = target[int(part)] if isinstance(target, list) else target[part]
    if value is KeyError:
        del target[last]
    else:
        target[last] = value
    return report


CASES = {
    "golden": changed("image", "debian:12"),
    "missing field": changed("run_id", KeyError),
    "wrong type": changed("fingerprint.hostname", {"a": 1}),
    "bool for a number": changed("duration_seconds", True),
    "version pattern": changed("schema_version", "1.x"),
    "enum": changed("lang", "fr"),
    "additional properties": changed("fingerprint.os_release", {"ID": 12}),
    "item type": changed("fingerprint.host_namespace_types", ["net", 3]),
    "ref target": changed("scenarios.0.namespaces.0.expected.memberships", {"c": "nowhere"}),
    "oneOf null": changed("scenarios.0.namespaces.0.observed", None),
    "oneOf wrong": changed("scenarios.0.namespaces.0.observed", {"isolated": "yes"}),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_same_documents_pass_as_with_jsonschema(name: str) -> None:
    document = copy.deepcopy(CASES[name])
    expected = jsonschema.Draft202012Validator(report_schema()).is_valid(document)
    try:
        check_report(document)
    except InvalidReport:
        passed = False
    else:
        passed = True
    assert passed == expected


@pytest.mark.parametrize("golden", GOLDEN, ids=lambda path: path.name)
def test_the_golden_reports_pass(golden: Path) -> None:
    check_report(json.loads(golden.read_text(encoding="utf-8")))
