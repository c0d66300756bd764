"""ansible-runner events -> what each host is doing now and how it ended.

Only a few kinds of event matter: a task starting on a host, a task result on a host, and the
final `playbook_on_stats`, which is the authority on whether a host ended well (a failure later
rescued by a `rescue:` block is not a failure there). Everything else is ignored.

The reason kept for a host is its *first* failure: playbooks/lab.yml rescues a failing host,
records why, and fails it again in a last play so the summary is complete - that last failure
only repeats the first. Likewise its preflight reaches hosts with `ignore_unreachable`, so an
unreachable host ends as a failure in the stats; having seen it unreachable decides its status.

The class summary is the playbook's to write (roles/namespace_lab/tasks/summary.yml): the tracker
notes whether its writing task ran, was skipped (--check) or was never reached, and the
arguments it ran with - where the playbook wrote and in which language.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from lab.summary.model import HostOutcome
from lab.summary.outcome import failure_reason

HostState = Literal["waiting", "running", "ok", "failed", "unreachable"]

# The task that writes the status files and the class summary, wherever the role is installed
# (checkout, wheel, collection): the one command of the role's summary entry point.
SUMMARY_TASKS_FILE = "namespace_lab/tasks/summary.yml"
SUMMARY_ACTIONS = ("ansible.builtin.command", "command")


@dataclass(frozen=True)
class PlaybookSummary:
    """What the playbook's summary task did: "written", "skipped" (check mode), "failed", or
    "not reached" (the run stopped before it, or the playbook has no summary play)."""

    state: str = "not reached"
    argv: tuple[str, ...] = ()

    @property
    def reports_dir(self) -> Path | None:
        value = _option(self.argv, "--reports-dir")
        return Path(value) if value else None

    @property
    def lang(self) -> str | None:
        return _option(self.argv, "--lang")

    @property
    def hosts(self) -> tuple[str, ...]:
        """The run's hosts the summary covers (`--host=NAME` each)."""
        prefix = "--host="
        return tuple(word.removeprefix(prefix) for word in self.argv if word.startswith(prefix))


def _option(argv: Sequence[str], name: str) -> str | None:
    for index, word in enumerate(argv[:-1]):
        if word == name:
            return argv[index + 1]
    return None


@dataclass
class HostProgress:
    """One host's progress through the playbook, updated event by event."""

    host: str
    state: HostState = "waiting"
    task: str = ""
    ok: int = 0
    changed: int = 0
    skipped: int = 0
    # The first failure, as the playbook's rescue records it (playbooks/tasks/host_failed.yml).
    failed_task: str = ""
    failed_result: Mapping[str, Any] | None = None
    failed_unreachable: bool = False
    message: str = ""
    unreachable_seen: bool = False

    def stop(self, state: HostState, task: str, result: Mapping[str, Any]) -> None:
        self.state = state
        self.unreachable_seen |= state == "unreachable"
        if self.failed_result is None:
            self.failed_task, self.failed_result = task, result
            self.failed_unreachable = state == "unreachable"

    @property
    def reason(self) -> str:
        if self.failed_result is None:
            return self.message
        # Worded as the playbook's summary words it: lab.summary.outcome, one function for both.
        return failure_reason(
            self.failed_task, self.failed_result, unreachable=self.failed_unreachable
        )


class EventTracker:
    """Folds the event stream of one run into a HostProgress per host."""

    def __init__(self, hosts: Iterable[str]) -> None:
        self.hosts: dict[str, HostProgress] = {host: HostProgress(host) for host in hosts}
        self.finished = False
        self.summary = PlaybookSummary()

    def handle(self, event: Mapping[str, Any]) -> HostProgress | None:
        """Apply one event; return the host it changed, if any."""
        kind = event.get("event", "")
        data = event.get("event_data") or {}
        if kind == "playbook_on_stats":
            self._apply_stats(data)
            return None
        host_name = data.get("host")
        if not kind.startswith("runner_on_"):
            return None
        if _is_summary_task(data):
            self._note_summary(kind, data.get("res") or {})
        host = self.hosts.get(host_name)
        if host is None:
            return None  # the controller's implicit localhost (class summary play), not a machine
        task = str(data.get("task") or "")
        result = data.get("res") or {}
        if kind == "runner_on_start":
            host.state, host.task = "running", task
        elif kind == "runner_on_ok":
            host.ok += 1
            host.changed += bool(result.get("changed"))
        elif kind == "runner_on_skipped":
            host.skipped += 1
        elif kind == "runner_on_failed" and not data.get("ignore_errors"):
            host.stop("failed", task, result)
        elif kind == "runner_on_unreachable":
            host.stop("unreachable", task, result)
        else:
            return None
        return host

    def _note_summary(self, kind: str, result: Mapping[str, Any]) -> None:
        state = {
            "runner_on_ok": "written",
            "runner_on_skipped": "skipped",
            "runner_on_failed": "failed",
        }.get(kind)
        if state is not None:
            argv = result.get("cmd")
            self.summary = PlaybookSummary(
                state, tuple(str(word) for word in argv) if isinstance(argv, list) else ()
            )

    def _apply_stats(self, stats: Mapping[str, Any]) -> None:
        self.finished = True
        unreachable = stats.get("dark") or {}
        failures = stats.get("failures") or {}
        for name, host in self.hosts.items():
            if unreachable.get(name) or (failures.get(name) and host.unreachable_seen):
                host.state = "unreachable"
            elif failures.get(name):
                host.state = "failed"
            elif name in (stats.get("processed") or {}):
                host.state, host.failed_task, host.failed_result, host.message = "ok", "", None, ""
            else:
                host.state = "failed"
                host.message = "no play ran on this host: is it in the playbook's host groups?"

    def outcomes(self) -> dict[str, HostOutcome]:
        """How every host ended; a host still marked running never reached the end of the run."""
        return {name: _outcome(host) for name, host in self.hosts.items()}


def _is_summary_task(data: Mapping[str, Any]) -> bool:
    return SUMMARY_TASKS_FILE in str(data.get("task_path") or "") and (
        data.get("task_action") in SUMMARY_ACTIONS
    )


def _outcome(host: HostProgress) -> HostOutcome:
    if host.state in ("ok", "failed", "unreachable"):
        return HostOutcome(host.host, host.state, host.reason)
    if host.reason:
        reason = host.reason
    elif host.task:
        reason = f"the run stopped before this host finished (last task: {host.task})"
    else:
        reason = "the run stopped before any task ran on this host"
    return HostOutcome(host.host, "failed", reason)
