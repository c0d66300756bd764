"""`nslab provision` and `nslab runs`: checked inputs in, a run, a class summary and a table out."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TextIO

from lab.errors import LabError
from lab.provision.config import (
    ProvisionConfig,
    ProvisionRequest,
    build_config,
    check_project,
    default_project_dir,
    work_dir_of,
)
from lab.provision.driver import ProvisionResult, provision
from lab.provision.options import AnsibleOptions, Passwords, ask_passwords
from lab.provision.runs import RunsDir, only_collects
from lab.runlock import held
from lab.summary.model import HostOutcome
from lab.summary.outcome import DOCKER_SOURCE_VARIABLES
from lab.untrusted import for_terminal


class NothingToRetry(LabError):
    exit_code = 0


@dataclass(frozen=True)
class CheckedRun:
    """A run whose every input is checked, ready to start (`run_checked`)."""

    config: ProvisionConfig
    runs: RunsDir
    # Outside the run directory, 0700: a typed vault password and the inline -e files go here.
    private_dir: Path


@contextmanager
def checked(
    request: ProvisionRequest, *, ask: Callable[[AnsibleOptions], Passwords] = ask_passwords
) -> Iterator[CheckedRun]:
    """The request checked before anything runs or is set up for it: a LabError naming the first
    bad input otherwise. Passwords (-k, -K, --ask-vault-pass) are asked for first, as
    ansible-playbook does; the private directory lasts until the context ends."""
    project_dir = check_project(request.project)
    runs = RunsDir(work_dir_of(project_dir) / "runs", keep=request.keep_runs)
    if request.retry_failed and request.inventory is not None:
        failed = _failed_last_time(runs, request.inventory, request.limit)
        request = replace(request, limit=failed)
    passwords = ask(request.options)
    with tempfile.TemporaryDirectory(prefix="nslab-private-") as private:
        config = build_config(
            replace(request, project_dir=project_dir),
            passwords=passwords,
            private_dir=Path(private),
        )
        yield CheckedRun(config, runs, Path(private))


def run_checked(
    checked_run: CheckedRun, *, out: TextIO | None = None, display: TextIO | None = None
) -> int:
    """Provision the checked run's hosts, show the class summary; 0 only if every host ended ok."""
    out, display = out or sys.stdout, display or sys.stderr
    config = checked_run.config
    # One run per reports directory, the playbook's own preflight taking the same lock;
    # --check writes nothing under it, the lock included (as the playbook's check mode).
    lock = nullcontext() if config.check else held(config.reports_dir, "nslab provision")
    with lock:
        result = provision(config, checked_run.runs, display, checked_run.private_dir)
        return _show_summary(config, result, out)


def provision_command(request: ProvisionRequest, *, out: TextIO | None = None) -> int:
    """Check the request, then provision it: for a caller with nothing to do in between."""
    with checked(request) as checked_run:
        return run_checked(checked_run, out=out)


def _show_summary(config: ProvisionConfig, result: ProvisionResult, out: TextIO) -> int:
    """The class summary is the playbook's to write; it is written here, by the same writer with
    the same inputs, only when the run never reached the playbook's summary play, and never
    under --check. Then it is shown in the class's language; 0 only if every host ended ok."""
    # Imported here: the summary renders HTML and is not needed to validate or list runs.
    from lab.summary.collect import collect_rows
    from lab.summary.command import write_run_summary
    from lab.summary.render import render_text
    from lab.summary.students import students_of

    played = result.summary
    reports_dir = played.reports_dir or config.reports_dir
    lang = played.lang or config.lang
    index: Path | None = reports_dir / "index.html"
    if played.state in ("written", "failed"):
        # The playbook's own summary (a failure to write it is in its output, not repeated).
        rows = collect_rows(reports_dir, played.hosts or config.hosts)
    elif config.check or played.state == "skipped":
        # What the summary would say; nothing under the reports directory is written.
        rows, index = collect_rows(reports_dir, config.hosts, result.outcomes), None
    else:
        # Hosts that failed before fetching anything still get their row (with the reason); a
        # run that only collects the students' work records no outcome (`nslab collect`).
        statuses = (
            None
            if only_collects(config.options.tags)
            else [_status_record(config, outcome) for outcome in result.outcomes.values()]
        )
        rows = write_run_summary(reports_dir, config.hosts, lang, statuses).rows
    out.write(render_text(rows, lang, students_of(reports_dir, [row.host for row in rows])) + "\n")
    _print_footer(out, result, index, only_collects(config.options.tags))
    return 0 if result.status == "successful" and not result.failed_hosts else 1


def _status_record(config: ProvisionConfig, outcome: HostOutcome) -> dict[str, object]:
    """A host's raw facts as the playbook's summary play hands them over, from what the wrapper
    knows of a run that stopped before that play; the summary's writer decides the rest."""
    variables = {**config.hostvars.get(outcome.host, {}), **config.extravars}
    return {
        "host": outcome.host,
        "outcome": {"status": outcome.status, "reason": outcome.reason},
        "student_id": str(variables.get("student_id") or ""),
        "docker_engine": {
            name: variables[name] for name in DOCKER_SOURCE_VARIABLES if name in variables
        },
    }


def list_runs(*, project_dir: Path | None, out: TextIO | None = None) -> int:
    """Earlier runs, oldest first, with how each ended."""
    out = out or sys.stdout
    runs = RunsDir(work_dir_of(check_project(project_dir or default_project_dir())) / "runs")
    rows = []
    for run in runs.runs():
        record = run.load()
        if record is None:
            rows.append([run.run_id, "unreadable", "", "", "", ""])
            continue
        ok = sum(outcome.status == "ok" for outcome in record.hosts)
        rows.append(
            [
                run.run_id,
                record.status + (" (check)" if record.check else ""),
                f"{ok}/{len(record.hosts)} ok",
                ",".join(record.failed_hosts),
                record.docker_source or "-",
                Path(record.playbook).name
                + "".join(f" --tags {tag}" for tag in record.tags)
                + (f" --limit {record.limit}" if record.limit else ""),
            ]
        )
    if not rows:
        out.write(f"no runs yet in {runs.root}\n")
        return 0
    _print_table(out, ["RUN", "STATUS", "HOSTS", "FAILED", "DOCKER", "PLAYBOOK"], rows)
    return 0


def _failed_last_time(runs: RunsDir, inventory: Path, limit: str | None) -> str:
    if limit is not None:
        raise LabError("--retry-failed chooses the hosts itself; drop --limit")
    last = runs.last_record(inventory.resolve())
    if last is None:
        raise LabError(
            f"no earlier run with inventory {inventory} in {runs.root}; "
            "run without --retry-failed first"
        )
    if not last.failed_hosts:
        raise NothingToRetry(f"every host of run {last.run_id} ended ok; nothing to retry")
    return ",".join(last.failed_hosts)


def _print_footer(
    out: TextIO, result: ProvisionResult, index: Path | None, collected: bool
) -> None:
    failed = result.failed_hosts
    out.write(f"\n{len(result.outcomes) - len(failed)}/{len(result.outcomes)} hosts ok")
    # `nslab collect` has no --retry-failed (and that one looks past collects): run it again.
    again = (
        "run nslab collect again once they answer"
        if collected
        else "retry the others with --retry-failed"
    )
    out.write(f"; {again} ({', '.join(failed)})\n" if failed else "\n")
    if result.status != "successful" and not failed:
        out.write(f"ansible-playbook ended {result.status} (rc {result.rc}); see {result.stdout}\n")
    out.write(f"Report: {index}\n" if index else "Report: none written (--check)\n")
    out.write(f"Run:    {result.run.path}\n")


def _print_table(out: TextIO, header: list[str], rows: list[list[str]]) -> None:
    # Host names and statuses come from run records that hosts' output went into.
    rows = [[for_terminal(str(cell)) for cell in row] for row in rows]
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=False)]
    for row in [header, *rows]:
        cells = [str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)]
        out.write("  ".join(cells).rstrip() + "\n")
