"""`nslab provision` and `nslab runs`: checked inputs in, a run, a class summary and a table out."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from lab.errors import LabError
from lab.provision.config import (
    DEFAULT_PLAYBOOK,
    build_config,
    check_project,
    default_project_dir,
    work_dir_of,
)
from lab.provision.driver import ProvisionResult, provision
from lab.provision.options import NO_OPTIONS, AnsibleOptions, Passwords, ask_passwords
from lab.provision.runs import DEFAULT_KEEP, RunsDir
from lab.runlock import held
from lab.untrusted import for_terminal


class NothingToRetry(LabError):
    exit_code = 0


def provision_command(
    *,
    project_dir: Path | None,
    inventory: Path,
    playbook: str = DEFAULT_PLAYBOOK,
    limit: str | None = None,
    forks: int | None = None,
    extravars: Sequence[str] = (),
    check: bool = False,
    retry_failed: bool = False,
    keep_runs: int = DEFAULT_KEEP,
    options: AnsibleOptions = NO_OPTIONS,
    docker_source: str | None = None,
    ask: Callable[[AnsibleOptions], Passwords] = ask_passwords,
    out: TextIO | None = None,
    display: TextIO | None = None,
) -> int:
    """Provision, write the class summary, print it; 0 only if every host ended ok.

    Passwords (-k, -K, --ask-vault-pass) are asked for first, as ansible-playbook does; then
    every input is checked before anything connects."""
    out, display = out or sys.stdout, display or sys.stderr
    project_dir = check_project(project_dir or default_project_dir())
    runs = RunsDir(work_dir_of(project_dir) / "runs", keep=keep_runs)
    if retry_failed:
        limit = _failed_last_time(runs, inventory, limit)
    passwords = ask(options)
    with tempfile.TemporaryDirectory(prefix="nslab-private-") as private:
        config = build_config(
            project_dir=project_dir,
            inventory=inventory,
            playbook=playbook,
            limit=limit,
            forks=forks,
            extravars=extravars,
            check=check,
            options=options,
            passwords=passwords,
            private_dir=Path(private),
            docker_source=docker_source,
        )
        # One run per reports directory, the playbook's own preflight taking the same lock.
        with held(config.reports_dir, "nslab provision"):
            result = provision(config, runs, display, Path(private))
            # Imported here: the summary renders HTML and is not needed to validate or list runs.
            from lab.summary import write_class_summary
            from lab.summary.render import render_text

            # Hosts that failed before fetching anything still get their row (with the reason).
            summary = write_class_summary(config.reports_dir, result.outcomes)
    out.write(render_text(summary.rows) + "\n")
    _print_footer(out, result, summary.index_html)
    return 0 if result.status == "successful" and not result.failed_hosts else 1


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
                Path(record.playbook).name + (f" --limit {record.limit}" if record.limit else ""),
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


def _print_footer(out: TextIO, result: ProvisionResult, index: Path) -> None:
    failed = result.failed_hosts
    out.write(f"\n{len(result.outcomes) - len(failed)}/{len(result.outcomes)} hosts ok")
    out.write(f"; retry the others with --retry-failed ({', '.join(failed)})\n" if failed else "\n")
    if result.status != "successful" and not failed:
        out.write(f"ansible-playbook ended {result.status} (rc {result.rc}); see {result.stdout}\n")
    out.write(f"Report: {index}\n")
    out.write(f"Run:    {result.run.path}\n")


def _print_table(out: TextIO, header: list[str], rows: list[list[str]]) -> None:
    # Host names and statuses come from run records that hosts' output went into.
    rows = [[for_terminal(str(cell)) for cell in row] for row in rows]
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=False)]
    for row in [header, *rows]:
        cells = [str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)]
        out.write("  ".join(cells).rstrip() + "\n")
