"""One provisioning run through ansible-runner's Python API.

The run gets a fresh private_data_dir (see runs.py) so no `env/` file of an earlier run can win
over this run's arguments; inventory, playbook and ANSIBLE_CONFIG are absolute. Nothing secret
is written in the run directory (secrets.py says what is secret):
- inline `-e` values go through 0600 files in a private directory outside the run directory,
  deleted afterwards (`-e @file` is handed over as it is); ansible-runner's `env/` files are
  suppressed;
- SSH and BECOME passwords answer ansible-playbook's prompts (ansible-runner `passwords`);
- every job event is redacted before ansible-runner writes it, and the run's `stdout` record is
  written from those redacted events (ansible-runner's own copy of the raw output is
  suppressed); the `command` record's environment is redacted as soon as it exists;
- at the end, every file under the run directory is redacted again (partial event files,
  facts), whatever way the run ended.
"""

from __future__ import annotations

import json
import os
import shlex
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import ansible_runner

from lab.errors import LabError
from lab.provision.config import WORK_DIR_ENV, ProvisionConfig
from lab.provision.events import EventTracker, PlaybookSummary
from lab.provision.extravars import ExtraVarsSource
from lab.provision.interrupt import interruptible
from lab.provision.options import playbook_arguments, prompt_answers
from lab.provision.progress import progress_for
from lab.provision.runs import Run, RunRecord, RunsDir
from lab.provision.secrets import Redactor, scrub_command_file
from lab.provision.toolpath import path_with_ansible
from lab.summary.model import HostOutcome
from lab.summary.outcome import one_line


class RunError(LabError):
    """ansible-playbook stopped before any host ran (syntax error, missing role, ...)."""

    exit_code = 1


class RunInterrupted(LabError):
    exit_code = 130


@dataclass(frozen=True)
class ProvisionResult:
    run: Run
    # ansible-runner's final status: successful, failed, timeout or canceled.
    status: str
    rc: int
    outcomes: dict[str, HostOutcome]
    # Whether the playbook wrote the class summary, and where.
    summary: PlaybookSummary = field(default_factory=PlaybookSummary)

    @property
    def failed_hosts(self) -> list[str]:
        return [name for name, outcome in self.outcomes.items() if outcome.status != "ok"]

    @property
    def stdout(self) -> Path:
        return self.run.artifact_dir / "stdout"


def provision(
    config: ProvisionConfig, runs: RunsDir, display: TextIO, private_dir: Path | None = None
) -> ProvisionResult:
    """Run config.playbook on config.hosts; show progress on `display`; record the run.

    `private_dir` (outside the run directory) receives the inline `-e` files; by default a
    temporary directory of its own."""
    run = runs.new_run()
    redactor = Redactor(config.secret_values)
    record = RunRecord(
        run_id=run.run_id,
        started=_now(),
        playbook=str(config.playbook),
        inventory=str(config.inventory),
        limit=config.limit,
        check=config.check,
        extravars=redactor.data(dict(config.extravars)),
        docker_source=config.docker_source,
        tags=list(config.options.tags),
    )
    run.save(record)
    tracker = EventTracker(config.hosts)
    progress = progress_for(display, list(tracker.hosts.values()))
    run.artifact_dir.mkdir(parents=True, mode=0o700)
    # ansible-runner reads suppress_output_file from env/settings only (its keyword argument is
    # overwritten by that file's value, default false): without it, runner writes the raw
    # output to the same `stdout` this run writes redacted, and the two interleave.
    (run.path / "env").mkdir(mode=0o700, exist_ok=True)
    (run.path / "env" / "settings").write_text("suppress_output_file: true\n")
    stdout = (run.artifact_dir / "stdout").open("w", encoding="utf-8")

    def on_event(event: dict[str, Any]) -> bool:
        redactor.data_in_place(event)
        if event.get("stdout"):
            stdout.write(event["stdout"] + "\n")
            stdout.flush()
        changed = tracker.handle(event)
        if changed is not None:
            progress.update(changed)
        return True  # keep every event in the artifacts

    def on_status(status: Mapping[str, Any], runner_config: Any) -> None:
        # "running" comes right after ansible-runner wrote its command file and before
        # ansible-playbook starts: the moment to take the secrets back out of it.
        if status.get("status") == "running":
            scrub_command_file(Path(runner_config.artifact_dir))

    runner = None
    interrupted = False
    try:
        with (
            interruptible() as interruption,
            tempfile.TemporaryDirectory(prefix="nslab-extravars-", dir=private_dir) as private,
        ):
            arguments = playbook_arguments(config.options, config.passwords, config.check)
            arguments += config.vault.arguments()
            arguments += _extravars_arguments(Path(private), config.extravars_sources)
            runner = ansible_runner.run(
                private_data_dir=str(run.path),
                ident=run.run_id,
                project_dir=str(config.project_dir),
                playbook=str(config.playbook),
                inventory=str(config.inventory),
                limit=config.limit,
                forks=config.forks,
                cmdline=shlex.join(arguments) or None,
                passwords=prompt_answers(config.passwords),
                envvars=_environment(config),
                suppress_env_files=True,
                suppress_output_file=True,
                quiet=True,
                event_handler=on_event,
                status_handler=on_status,
                cancel_callback=interruption.cancel,
            )
        interrupted = interruption.signum is not None
    except KeyboardInterrupt:  # a second Ctrl-C or SIGTERM (interruptible)
        interrupted = True
        raise
    finally:
        # Secrets out first: a second signal may cut this block short.
        stdout.close()
        redactor.tree(run.path)
        redactor.status_files(config.reports_dir)
        progress.finish()  # also on Ctrl-C: the terminal gets its cursor and last counts back
        record.finished = _now()
        record.hosts = list(tracker.outcomes().values())
        record.status = "interrupted" if interrupted else _final_status(runner, tracker)
        run.save(record)
        runs.rotate()
    if interrupted:
        raise RunInterrupted(
            f"the run was stopped (signal {interruption.signum}) and ansible-playbook cancelled; "
            f"its record, marked interrupted: {run.path}"
        )
    result = ProvisionResult(
        run, runner.status, runner.rc or 0, tracker.outcomes(), tracker.summary
    )
    if not tracker.finished and runner.status == "failed":
        raise RunError(
            f"ansible-playbook stopped before finishing (rc {runner.rc}): {_last_error(result)}; "
            f"full output in {result.stdout}"
        )
    return result


def _environment(config: ProvisionConfig) -> dict[str, str]:
    return {
        "ANSIBLE_CONFIG": str(config.ansible_cfg),
        "ANSIBLE_INVENTORY_UNPARSED_FAILED": "True",
        WORK_DIR_ENV: str(config.work_dir),
        "PATH": path_with_ansible(os.environ.get("PATH")),
    }


def _extravars_arguments(directory: Path, sources: tuple[ExtraVarsSource, ...]) -> list[str]:
    """`-e @file` per source, in order: files as given, inline values through 0600 files."""
    arguments = []
    for number, source in enumerate(sources):
        path = source.file
        if path is None:
            path = directory / f"extravars-{number}.json"
            path.touch(mode=0o600)
            path.write_text(json.dumps(source.variables), encoding="utf-8")
        arguments += ["-e", f"@{path}"]
    return arguments


def _final_status(runner: Any, tracker: EventTracker) -> str:
    if runner is None:
        return "error"
    if runner.status == "successful" and all(
        outcome.status == "ok" for outcome in tracker.outcomes().values()
    ):
        return "successful"
    return runner.status if runner.status != "successful" else "failed"


def _last_error(result: ProvisionResult) -> str:
    try:
        lines = result.stdout.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return "no output"
    errors = [line.strip() for line in lines if "ERROR" in line]
    meaningful = errors or [line.strip() for line in lines if line.strip()]
    return one_line(meaningful[-1]) if meaningful else "no output"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
