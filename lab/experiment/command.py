"""`nslab experiment`: run, write the reports, print the summary, return the exit status."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from lab.experiment.errors import EnvironmentProblem
from lab.experiment.run import ExperimentOptions, run_experiment
from lab.report.explain import ui
from lab.report.model import Report
from lab.report.output import FORMATS, write_reports
from lab.report.terminal import render_terminal


def parse_formats(values: list[str] | None) -> list[str]:
    """["json,md", "html"] -> ["json", "md", "html"]; None -> all formats."""
    if not values:
        return list(FORMATS)
    wanted = [f.strip() for value in values for f in value.split(",") if f.strip()]
    unknown = sorted(set(wanted) - set(FORMATS))
    if unknown:
        raise EnvironmentProblem(
            f"unknown format {', '.join(unknown)}; choose from {', '.join(FORMATS)}"
        )
    return [f for f in FORMATS if f in wanted]


def experiment_command(
    options: ExperimentOptions,
    output_dir: Path,
    formats: list[str] | None,
    write: Callable[[Report, Path, list[str], str], list[Path]] = write_reports,
) -> int:
    """0: every observation matched its expectation; 1: mismatches. Errors raise LabError (2).
    `write` puts the report files in place (the students' command writes them its own way)."""
    chosen = parse_formats(formats)
    report = run_experiment(options)
    written = write(report, output_dir, chosen, options.lang)
    print(render_terminal(report, options.lang))
    for path in written:
        print(f"  {path}")
    if options.keep and any(s.launcher == "docker" for s in report.scenarios):
        command = f"docker rm -f $(docker ps -aq --filter label=nslab.run={report.run_id})"
        print(ui("kept", options.lang, command=command))
    kept = [c.host_pid for s in report.scenarios if s.launcher == "unshare" for c in s.containers]
    if options.keep and kept:
        # Each is PID 1 of its own PID namespace, which ignores a plain kill (SIGTERM) from
        # outside; SIGKILL ends it, its namespace and its unshare.
        print(ui("kept_unshare", options.lang, command="kill -KILL " + " ".join(map(str, kept))))
    return 0 if report.matched else 1
