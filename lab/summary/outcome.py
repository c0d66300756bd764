"""How one host's run ended and where its Docker came from: decided here once, for both paths.

The playbook's summary play (roles/namespace_lab/tasks/summary.yml) hands over each host's raw
facts as Ansible has them - the outcome its rescue recorded (playbooks/tasks/host_failed.yml:
status, failed task, failed result), the docker_engine role's variables - and
`python -m lab report --statuses -` turns them into the host's status.json with `status_record`.
`nslab provision`, for a run that stopped before that play, folds ansible-runner's events into
the same raw facts (lab/provision/events.py) and calls the same functions, so a host reads the
same on both paths.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lab.provision.secrets import redact_url_userinfo

OFFICIAL_MIRROR = "https://download.docker.com"
# The docker_engine role's variables that say where a host's Docker comes from.
DOCKER_SOURCE_VARIABLES = ("docker_engine_install_source", "docker_engine_mirror")

# A reason is shown whole and wrapped by the terminal or the page: the limit is for a module that
# dumps pages of output on one line, which would bury the summary (the whole text stays in the
# run's output); a message a person wrote, however long, stays whole.
MAX_REASON = 2000


def docker_source(variables: Mapping[str, Any]) -> str:
    """`download.docker.com`, a mirror's URL (credentials blanked) or `Debian's docker.io`, from
    one host's docker_engine variables (-e already merged over the inventory, as Ansible does);
    a variable left unset takes the role's default (Docker's own repository)."""
    if variables.get("docker_engine_install_source") == "debian":
        return "Debian's docker.io"
    mirror = str(variables.get("docker_engine_mirror") or OFFICIAL_MIRROR).rstrip("/")
    if mirror == OFFICIAL_MIRROR:
        return "download.docker.com"
    return redact_url_userinfo(mirror)


def class_docker_source(
    hostvars: Mapping[str, Mapping[str, Any]], extravars: Mapping[str, Any]
) -> str:
    """Every host's source (`docker_source`) once, joined by `; ` - what a run record says."""
    return "; ".join(sorted({docker_source({**host, **extravars}) for host in hostvars.values()}))


def failure_reason(task: str, result: Mapping[str, Any], *, unreachable: bool = False) -> str:
    """Why a host stopped: the failed task's name and its one-line message; for an unreachable
    host the connection's message alone (the task that met it says nothing more)."""
    message = failure_message(result)
    if unreachable or not task:
        return message
    return f"{task}: {message}" if message else task


def failure_message(result: Mapping[str, Any]) -> str:
    """The one line a person needs from a failed or unreachable task result."""
    items = result.get("results")
    if isinstance(items, list):
        failed_items = [item for item in items if isinstance(item, Mapping) and item.get("failed")]
        if failed_items:
            return failure_message(failed_items[0])
    message = _first_line(result.get("msg")) or _first_line(result.get("reason"))
    # ansible-core 2.19 prefixes every failure with this; the host's status already says it.
    message = message.removeprefix("Task failed: ")
    detail = _last_line(result.get("stderr"))
    if detail and detail not in message:
        message = f"{message}: {detail}" if message else detail
    if not message and result.get("rc") is not None:
        message = f"exit status {result['rc']}"
    return one_line(message)


def one_line(text: str, limit: int = MAX_REASON) -> str:
    """`text` whole, or when longer than `limit`, cut at a word and marked so: never mid-word."""
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + " …"


def outcome_of(recorded: Mapping[str, Any]) -> tuple[str, str]:
    """(status, reason) from an outcome as recorded: `{"status", "reason"}` when the reason is
    already worded, else `{"status", "task", "result"}` as host_failed.yml keeps it."""
    status = str(recorded.get("status") or "failed")
    reason = recorded.get("reason")
    if reason is None:
        result = recorded.get("result")
        reason = failure_reason(
            str(recorded.get("task") or ""),
            result if isinstance(result, Mapping) else {},
            unreachable=status == "unreachable",
        )
    return status, str(reason)


def status_record(facts: Mapping[str, Any]) -> dict[str, Any]:
    """A host's status.json from its raw facts: `host`, `outcome` (see outcome_of),
    `docker_engine` (the role's variables the host has), and whatever else is recorded as is
    (`student_id`, `os`, `report_sha1`). A record already made (with `status`) is kept."""
    if "outcome" not in facts:
        return dict(facts)
    record = {
        name: value for name, value in facts.items() if name not in ("outcome", "docker_engine")
    }
    record["status"], record["reason"] = outcome_of(facts["outcome"] or {})
    record["docker_source"] = docker_source(facts.get("docker_engine") or {})
    return record


def _first_line(text: object) -> str:
    lines = [line.strip() for line in str(text or "").splitlines() if line.strip()]
    return lines[0] if lines else ""


def _last_line(text: object) -> str:
    lines = [line.strip() for line in str(text or "").splitlines() if line.strip()]
    return lines[-1] if lines else ""
