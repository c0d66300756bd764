"""Runner events (as ansible-runner's awx_display callback shapes them) -> per-host outcomes."""

from __future__ import annotations

import io
from typing import Any

from lab.provision.events import EventTracker
from lab.provision.progress import PlainProgress
from lab.summary.outcome import failure_message


def event(kind: str, host: str | None = None, task: str = "", **data: Any) -> dict[str, Any]:
    event_data = {"task": task, **data}
    if host:
        event_data["host"] = host
    return {"event": kind, "event_data": event_data}


def stats(**per_kind: dict[str, int]) -> dict[str, Any]:
    return event("playbook_on_stats", **per_kind)


def test_outcomes_follow_the_final_stats() -> None:
    tracker = EventTracker(["vm1", "vm2", "vm3", "vm4"])
    for e in [
        event("runner_on_start", "vm1", "Install Docker"),
        event("runner_on_ok", "vm1", "Install Docker", res={"changed": True}),
        event("runner_on_unreachable", "vm2", "Gathering Facts", res={"msg": "Connection refused"}),
        event("runner_on_failed", "vm3", "Pull image", res={"msg": "no route\nmore"}),
        # A failure rescued later in a block: the stats say vm4 ended fine.
        event("runner_on_failed", "vm4", "Probe", res={"msg": "probe failed"}),
        # The controller's own localhost play is not a class machine.
        event("runner_on_ok", "localhost", "Write summary", res={}),
        stats(
            processed={"vm1": 1, "vm2": 1, "vm3": 1, "vm4": 1, "localhost": 1},
            dark={"vm2": 1},
            failures={"vm3": 1},
        ),
    ]:
        tracker.handle(e)
    outcomes = tracker.outcomes()
    assert set(outcomes) == {"vm1", "vm2", "vm3", "vm4"}
    assert (outcomes["vm1"].status, outcomes["vm1"].reason) == ("ok", "")
    assert outcomes["vm2"].status == "unreachable"
    assert outcomes["vm2"].reason == "Connection refused"
    assert (outcomes["vm3"].status, outcomes["vm3"].reason) == ("failed", "Pull image: no route")
    assert (outcomes["vm4"].status, outcomes["vm4"].reason) == ("ok", "")
    assert tracker.hosts["vm1"].changed == 1


def test_ignored_errors_do_not_fail_a_host() -> None:
    tracker = EventTracker(["vm1"])
    tracker.handle(event("runner_on_failed", "vm1", "Optional", ignore_errors=True, res={}))
    assert tracker.hosts["vm1"].state == "waiting"


def test_a_run_cut_short_fails_its_unfinished_hosts() -> None:
    tracker = EventTracker(["vm1", "vm2"])
    tracker.handle(event("runner_on_start", "vm1", "Install Docker"))
    outcomes = tracker.outcomes()
    assert not tracker.finished
    assert outcomes["vm1"].status == "failed" and "Install Docker" in outcomes["vm1"].reason
    assert outcomes["vm2"].reason == "the run stopped before any task ran on this host"


def test_host_missing_from_every_play() -> None:
    tracker = EventTracker(["vm1"])
    tracker.handle(stats(processed={}))
    assert "no play ran on this host" in tracker.outcomes()["vm1"].reason


def test_failure_message_picks_the_failed_loop_item_and_stderr() -> None:
    result = {
        "msg": "One or more items failed",
        "results": [
            {"failed": False, "msg": ""},
            {"failed": True, "msg": "non-zero return code", "stderr": "E: x\nE: Unable to locate"},
        ],
    }
    assert failure_message(result) == "non-zero return code: E: Unable to locate"
    assert failure_message({"rc": 3}) == "exit status 3"
    assert failure_message({"msg": "Task failed: Failed to connect"}) == "Failed to connect"


def test_plain_progress_prints_changes_only() -> None:
    tracker = EventTracker(["vm1"])
    out = io.StringIO()
    display = PlainProgress(out, list(tracker.hosts.values()))
    for e in [
        event("runner_on_start", "vm1", "Install Docker"),
        event("runner_on_ok", "vm1", "Install Docker", res={}),
        stats(processed={"vm1": 1}),
    ]:
        changed = tracker.handle(e)
        if changed:
            display.update(changed)
    display.finish()
    lines = out.getvalue().splitlines()
    assert len(lines) == 2 and "\x1b" not in out.getvalue()
    assert lines[0].startswith("▸ vm1") and lines[0].endswith("Install Docker")
    assert lines[1].startswith("✓ vm1") and lines[1].endswith("done")


def test_lab_playbooks_rescue_pattern_keeps_the_first_reason() -> None:
    """playbooks/lab.yml: unreachable ignored in preflight, rescued, failed again at the end."""
    tracker = EventTracker(["vm1", "vm2"])
    for e in [
        event("runner_on_unreachable", "vm1", "Reach the host", res={"msg": "Connection refused"}),
        event("runner_on_failed", "vm1", "Stop on an unreachable host", res={"msg": "refused"}),
        event("runner_on_failed", "vm2", "Install packages", res={"msg": "E: broken"}),
        event("runner_on_start", "vm2", "Record the failure"),
        event("runner_on_ok", "vm2", "Record the failure", res={}),
        event("runner_on_failed", "vm1", "Fail the hosts", res={"msg": "vm1 did not finish"}),
        event("runner_on_failed", "vm2", "Fail the hosts", res={"msg": "vm2 did not finish"}),
        stats(processed={"vm1": 1, "vm2": 1}, failures={"vm1": 1, "vm2": 1}),
    ]:
        tracker.handle(e)
    outcomes = tracker.outcomes()
    assert outcomes["vm1"].status == "unreachable"
    assert outcomes["vm1"].reason == "Connection refused"
    assert (outcomes["vm2"].status, outcomes["vm2"].reason) == (
        "failed",
        "Install packages: E: broken",
    )


def test_the_playbooks_summary_task_says_where_it_wrote_or_that_check_mode_skipped_it() -> None:
    path = "/x/lab/project/roles/namespace_lab/tasks/summary.yml:47"
    argv = ["python3", "-m", "lab", "report", "--reports-dir", "/srv/r", "--lang", "ja"]
    argv += ["--statuses", "-", "--host=vm1", "--host=vm2"]
    written, skipped, never = (EventTracker(["vm1"]) for _ in range(3))
    written.handle(
        event(
            "runner_on_ok", "vm1", "Write", task_path=path, task_action="command", res={"cmd": argv}
        )
    )
    skipped.handle(
        event("runner_on_skipped", "vm1", "Write", task_path=path, task_action="command")
    )
    never.handle(
        event("runner_on_ok", "vm1", "Write", task_path="/x/other.yml:1", res={"cmd": argv})
    )
    assert (written.summary.state, str(written.summary.reports_dir)) == ("written", "/srv/r")
    assert (written.summary.lang, written.summary.hosts) == ("ja", ("vm1", "vm2"))
    assert (skipped.summary.state, skipped.summary.reports_dir) == ("skipped", None)
    assert never.summary.state == "not reached"
