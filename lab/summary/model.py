"""Data that crosses the summary's boundary: what the caller knows about a host, and each row."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from lab.summary.students import HostStudents

HostStatus = Literal["ok", "failed", "unreachable", "unknown"]
HOST_STATUSES: tuple[HostStatus, ...] = ("ok", "failed", "unreachable", "unknown")

# "matched": every observation agreed with its expectation; "mismatches": at least one did not;
# "no report": the host produced no report in this run (see its status and reason).
Verdict = Literal["matched", "mismatches", "no report"]

SUMMARY_SCHEMA = "nslab.class-summary"
SUMMARY_SCHEMA_VERSION = 1


@dataclass(frozen=True)
class HostOutcome:
    """How the provisioning run ended for one host (from ansible-runner events or a status file)."""

    host: str
    status: HostStatus
    reason: str = ""
    student_id: str | None = None
    # The host's release as its facts said (e.g. "Debian 12.11 (bookworm)"), and where its Docker
    # comes from (download.docker.com, a mirror's URL, or Debian's docker.io).
    os_release: str | None = None
    docker_source: str | None = None
    # sha1 of the report.json the run fetched ("" none; None: not recorded), from the status file.
    report_sha1: str | None = None

    def __post_init__(self) -> None:
        if self.status not in HOST_STATUSES:
            raise ValueError(f"host status must be one of {HOST_STATUSES}, not {self.status!r}")


@dataclass(frozen=True)
class NamespaceCell:
    """One namespace type on one host, from the report's first (normally the baseline) scenario."""

    name: str
    isolated: bool | None  # the two containers had different namespaces; None: not observed
    shares_host: bool | None  # either container was in the host's namespace
    matched: bool | None  # what was seen was what the host's environment predicts


@dataclass(frozen=True)
class HostRow:
    """One line of the class summary."""

    host: str
    student_id: str | None
    status: HostStatus
    reason: str
    os_release: str | None
    docker_source: str | None
    docker_version: str | None
    verdict: Verdict
    mismatches: tuple[str, ...]
    # Relative to the reports directory, so the page still works when the directory is copied.
    report_link: str | None
    # Per namespace type, for the class matrix; empty without a report.
    namespaces: tuple[NamespaceCell, ...] = ()

    @property
    def docker_installed(self) -> bool:
        return self.docker_version is not None


@dataclass(frozen=True)
class ClassSummary:
    generated_at: str
    rows: tuple[HostRow, ...]
    index_html: Path
    summary_json: Path
    summary_csv: Path
    # The students' own work on each host of the run, as collected (self-reported).
    students: tuple[HostStudents, ...] = ()

    @property
    def counts(self) -> dict[str, int]:
        return count_rows(self.rows)

    @property
    def all_ok(self) -> bool:
        """Every host finished and every observation matched its expectation."""
        return all(row.status == "ok" and row.verdict == "matched" for row in self.rows)


def count_rows(rows: tuple[HostRow, ...]) -> dict[str, int]:
    by_status = Counter(row.status for row in rows)
    return {
        "hosts": len(rows),
        **{status: by_status[status] for status in HOST_STATUSES},
        "mismatched": sum(row.verdict == "mismatches" for row in rows),
    }
