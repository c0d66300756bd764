"""Writing each host's status.json: how its run ended, as the playbook recorded it.

playbooks/plays/summary.yml hands over every host's record at once (one process on the
controller for the whole class instead of one `copy` per host); collect.py reads them back.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from lab.errors import LabError
from lab.provision.secrets import Redactor
from lab.summary.collect import STATUS_JSON
from lab.untrusted import host_name_problem


class BadStatusRecord(LabError):
    pass


def write_status_files(reports_dir: Path, records: Iterable[Mapping[str, Any]]) -> list[Path]:
    """<reports_dir>/<host>/status.json for each record (a JSON object with a "host"), written
    the way Ansible's to_nice_json writes it; the host's folder is created when missing."""
    checked = [(_host_of(record), record) for record in records]
    written = []
    for host, record in checked:
        path = reports_dir / host / STATUS_JSON
        path.parent.mkdir(parents=True, exist_ok=True)
        # A failure message may quote a URL with its password, a variable may be a secret.
        redacted = Redactor().data(dict(record))
        path.write_text(json.dumps(redacted, indent=4, sort_keys=True) + "\n", encoding="utf-8")
        written.append(path)
    return written


def read_status_records(text: str) -> list[Mapping[str, Any]]:
    """The records as the playbook passes them: a JSON list of objects."""
    return _status_list(_json_of(text, "the host status records"))


def read_run_records(
    text: str,
) -> tuple[list[Mapping[str, Any]] | None, dict[str, Mapping[str, Any]] | None]:
    """The statuses and students' records as the summary play passes them together:
    {"statuses": [...] or null, "students": {host: {...}} or null}."""
    records = _json_of(text, "the run's records")
    if not isinstance(records, dict):
        raise BadStatusRecord('the run\'s records must be a JSON object ("statuses", "students")')
    statuses = records.get("statuses")
    students = records.get("students")
    if students is not None and not isinstance(students, dict):
        raise BadStatusRecord('"students" must map each host to what was read from it')
    return (None if statuses is None else _status_list(statuses)), students


def _json_of(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as error:
        raise BadStatusRecord(f"{what} are not JSON: {error}") from error


def _status_list(records: Any) -> list[Mapping[str, Any]]:
    if not isinstance(records, list) or not all(isinstance(item, dict) for item in records):
        raise BadStatusRecord("the host status records must be a JSON list of objects")
    return records


def _host_of(record: Mapping[str, Any]) -> str:
    host = record.get("host")
    # The host names a folder under the reports directory: nothing that could leave it.
    if not isinstance(host, str) or host_name_problem(host):
        raise BadStatusRecord(
            f"a host status record names no usable host ({host!r}): each record needs the "
            'host\'s inventory name in "host"; no status file was written'
        )
    return host
