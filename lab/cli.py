"""Command line: parses arguments and calls one function per command.

Each command's module is imported only when that command runs, so `python3 -m lab experiment`
works on a target that has nothing but Debian's python3 and python3-docker.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nslab", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_testbed(commands)
    _add_report(commands)
    _add_experiment(commands)
    return parser


def _add_testbed(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "testbed",
        help="local stand-in for download.docker.com and Debian 12 test images",
        description="Build (cached) and start, or stop, the local test bed; `up` prints "
        "shell-sourceable NSLAB_* settings, also written to $NSLAB_CACHE/testbed.env.",
    )
    parser.add_argument("action", choices=["up", "down"])
    parser.set_defaults(run=_run_testbed)


def _run_testbed(args: argparse.Namespace) -> int:
    from lab.testbed.bed import run_action

    return run_action(args.action)


def _add_report(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "report",
        help="rebuild the class summary from fetched reports",
        description="Read reports/<host>/report.json and status.json for every host and write "
        "index.html, summary.json and summary.csv next to them.",
    )
    parser.add_argument(
        "--reports-dir",
        type=Path,
        default=Path("reports"),
        help="directory with one folder per host (default: ./reports)",
    )
    parser.set_defaults(run=_run_report)


def _run_report(args: argparse.Namespace) -> int:
    from lab.summary.command import report

    return report(args.reports_dir)


def _add_experiment(commands: argparse._SubParsersAction) -> None:
    from lab.experiment.scenarios import SCENARIOS  # stdlib only: keeps `--help` cheap on targets

    parser = commands.add_parser(
        "experiment",
        help="run the two-container namespace experiment on this Docker host (as root)",
        description="Start two containers the seed's way, compare /proc/PID/ns of host and "
        "containers, check behaviour from inside, and explain every verdict from this host's "
        "environment. Exit 0: all matched; 1: mismatches; 2: environment problem.",
    )
    parser.add_argument("--image", default="debian:12", help="image to run (default: debian:12)")
    parser.add_argument(
        "--image-archive",
        type=Path,
        help="load this `docker save` or root file system tarball when the image is absent",
    )
    parser.add_argument(
        "--name-prefix",
        default="container",
        help="container names are PREFIX1, PREFIX2 (plus -SCENARIO; plus -RUNID when taken)",
    )
    parser.add_argument("--output-dir", type=Path, default=Path("nslab-report"))
    parser.add_argument(
        "--format", action="append", metavar="json,md,html", help="repeatable; default: all"
    )
    parser.add_argument("--lang", choices=["en", "ja"], help="default: from LANG (ja_* -> ja)")
    parser.add_argument(
        "--keep", action="store_true", help="leave the containers running to look at by hand"
    )
    parser.add_argument(
        "--scenario",
        action="append",
        choices=[*SCENARIOS, "all"],
        help="repeatable; default: baseline (the seed's experiment)",
    )
    parser.set_defaults(run=_run_experiment)


def _run_experiment(args: argparse.Namespace) -> int:
    from lab.experiment.command import default_lang, experiment_command
    from lab.experiment.run import ExperimentOptions

    options = ExperimentOptions(
        image=args.image,
        image_archive=args.image_archive,
        name_prefix=args.name_prefix,
        scenarios=args.scenario or ["baseline"],
        keep=args.keep,
        lang=args.lang or default_lang(),
    )
    return experiment_command(options, args.output_dir, args.format)


def main(argv: list[str] | None = None) -> int:
    from lab.errors import LabError

    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except LabError as error:
        print(f"nslab: {error}", file=sys.stderr)
        return error.exit_code


if __name__ == "__main__":
    sys.exit(main())
