"""lab.summary.outcome: a host's status, reason and Docker source, decided once for the
playbook's summary play and for `nslab provision`'s event tracker."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from lab.provision.events import EventTracker
from lab.provision.secrets import REDACTED
from lab.summary.outcome import (
    docker_source,
    failure_message,
    failure_reason,
    outcome_of,
    status_record,
)

PROJECT_DIR = Path(__file__).resolve().parents[2]


def test_docker_source_names_the_repository_and_blanks_a_mirrors_password() -> None:
    assert docker_source({}) == "download.docker.com"
    # The summary play hands over '' for a variable the host does not set: the role's default.
    assert docker_source({"docker_engine_install_source": "", "docker_engine_mirror": ""}) == (
        "download.docker.com"
    )
    assert docker_source({"docker_engine_mirror": "https://download.docker.com/"}) == (
        "download.docker.com"
    )
    assert docker_source({"docker_engine_mirror": "http://u:pw@mirror.school:8080/docker/"}) == (
        f"http://u:{REDACTED}@mirror.school:8080/docker"
    )
    assert docker_source(
        {"docker_engine_install_source": "debian", "docker_engine_mirror": "http://m"}
    ) == ("Debian's docker.io")


def test_a_failure_is_named_by_its_task_an_unreachable_host_by_its_connection() -> None:
    result = {"msg": "non-zero return code", "stderr": "Reading lists\nE: Unable to locate"}
    assert failure_reason("Install", result) == "Install: non-zero return code: E: Unable to locate"
    assert failure_reason("Reach the host", {"msg": "refused\nmore"}, unreachable=True) == "refused"
    assert failure_reason("", {"rc": 3}) == "exit status 3"
    # A reason already worded (a host lost mid-run, a finished host) is kept as it is.
    assert outcome_of({"status": "ok", "reason": ""}) == ("ok", "")
    assert outcome_of({"status": "unreachable", "reason": "gone"}) == ("unreachable", "gone")


def test_status_record_turns_the_playbooks_raw_facts_into_status_json() -> None:
    facts = {
        "host": "vm1",
        "outcome": {"status": "failed", "task": "Pull", "result": {"msg": "no route"}},
        "student_id": "s1",
        "os": {"distribution": "Debian", "version": "12.11", "codename": "bookworm"},
        "docker_engine": {"docker_engine_install_source": "", "docker_engine_mirror": ""},
        "report_sha1": "",
    }
    assert status_record(facts) == {
        "host": "vm1",
        "status": "failed",
        "reason": "Pull: no route",
        "student_id": "s1",
        "os": {"distribution": "Debian", "version": "12.11", "codename": "bookworm"},
        "docker_source": "download.docker.com",
        "report_sha1": "",
    }


def _event(kind: str, host: str, task: str, **data: object) -> dict[str, object]:
    return {"event": kind, "event_data": {"host": host, "task": task, **data}}


def test_the_event_tracker_and_the_playbooks_record_agree() -> None:
    """The same failure seen as ansible-runner events and as host_failed.yml's raw record."""
    failed = {"msg": "Task failed: non-zero return code", "stderr": "x\nE: gone", "rc": 100}
    refused = {
        "msg": "Failed to connect to the host via ssh: Connection refused",
        "unreachable": True,
    }
    tracker = EventTracker(["vm1", "vm2"])
    tracker.handle(_event("runner_on_failed", "vm1", "Install Docker", res=failed))
    tracker.handle(_event("runner_on_unreachable", "vm2", "Reach the host", res=refused))
    tracker.handle({"event": "playbook_on_stats", "event_data": {"failures": {"vm1": 1, "vm2": 1}}})
    tracked = {name: (o.status, o.reason) for name, o in tracker.outcomes().items()}
    recorded = {
        "vm1": {"status": "failed", "task": "Install Docker", "result": failed},
        "vm2": {"status": "unreachable", "task": "Stop on an unreachable host", "result": refused},
    }
    assert tracked == {name: outcome_of(outcome) for name, outcome in recorded.items()}


def test_lab_report_writes_status_json_from_raw_facts(tmp_path: Path) -> None:
    """`python -m lab report --statuses -` as the summary play runs it."""
    facts = [
        {
            "host": "vm1",
            "outcome": {"status": "failed", "task": "Pull", "result": {"msg": "no route"}},
            "docker_engine": {"docker_engine_mirror": "http://u:secret@m.example/"},
        }
    ]
    report = [sys.executable, "-m", "lab", "report", "--reports-dir", str(tmp_path)]
    subprocess.run(
        [*report, "--lang", "en", "--statuses", "-", "--host=vm1"],
        input=json.dumps(facts),
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    status = json.loads((tmp_path / "vm1" / "status.json").read_text())
    assert (status["status"], status["reason"]) == ("failed", "Pull: no route")
    assert status["docker_source"] == f"http://u:{REDACTED}@m.example"
    assert "outcome" not in status and "docker_engine" not in status


def test_a_long_message_stays_whole_and_a_page_of_output_is_cut_at_a_word() -> None:
    """The controller's "no Docker engine" message (~600 characters) was cut mid-word at 300
    ("Install and start Do"): a reason is wrapped where it is shown, not cut."""
    message = "its Docker engine does not answer. " + "Install and start Docker " * 24
    assert failure_message({"msg": message}) == message.strip()
    dump = "word " * 1000
    shown = failure_message({"msg": dump})
    assert shown.endswith("word …") and len(shown) <= 2002
