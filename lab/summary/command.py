"""`nslab report`: rebuild the summary and show it on the terminal.

write_run_summary is the one writer of a run's status files, the students' records it brought
home and the class summary: the playbook's summary play calls it (through `python -m lab report
--records -`; `nslab collect` is that playbook with its `collect` tag), and `nslab provision`
calls it only for a run that stopped before that play.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lab.runlock import private_dir
from lab.summary.build import write_class_summary
from lab.summary.messages import summary_ui
from lab.summary.model import ClassSummary
from lab.summary.outcome import status_record
from lab.summary.render import render_text
from lab.summary.status_files import write_status_files
from lab.summary.students import write_student_files


def report(
    reports_dir: Path,
    hosts: Collection[str] = (),
    lang: str = "en",
    statuses: Sequence[Mapping[str, Any]] | None = None,
    students: Mapping[str, Mapping[str, Any]] | None = None,
) -> int:
    """Write the summary (see write_run_summary) and show it on the terminal."""
    summary = write_run_summary(reports_dir, hosts, lang, statuses, students)
    print(render_text(summary.rows, lang, summary.students))
    print("\n" + summary_ui("text.page", lang, path=summary.index_html.resolve()))
    return 0


def write_run_summary(
    reports_dir: Path,
    hosts: Collection[str] = (),
    lang: str = "en",
    statuses: Sequence[Mapping[str, Any]] | None = None,
    students: Mapping[str, Mapping[str, Any]] | None = None,
) -> ClassSummary:
    """With `statuses` (each host's raw facts as the playbook's summary play hands them over,
    see lab.summary.outcome.status_record) or `students` (the students' record files a collect
    read from each host it reached), the reports directory is created and each host's
    status.json and students' files written first; then the class summary of `hosts`, with
    whatever students' work is there. A collect alone passes no statuses: each host's last
    report and status stay as they were and are shown again."""
    if statuses is not None or students is not None:
        # Students' IDs, work and verdicts: the owner's alone on a shared controller.
        private_dir(reports_dir)
    if statuses is not None:
        write_status_files(reports_dir, [status_record(facts) for facts in statuses])
    if students is not None:
        collected_at = datetime.now(UTC).isoformat(timespec="seconds")
        write_student_files(reports_dir, students, collected_at)
    return write_class_summary(reports_dir, lang=lang, hosts=hosts)
