"""Options the experiment's command line shares with the students' command (and compare): defined
once, so `nslab experiment` and `nslab-experiment` cannot drift apart. Standard library only:
both run on lab machines that have nothing but Debian's python3 and python3-docker."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_report_output_options(parser: argparse.ArgumentParser, default_dir: Path) -> None:
    """Where a report goes, in which formats and language: the experiment's and compare's."""
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=default_dir,
        help=f"where the report files go (default: ./{default_dir})",
    )
    parser.add_argument(
        "--format",
        action="append",
        metavar="json,md,html",
        help="which report files to write; repeatable (default: all three)",
    )
    parser.add_argument(
        "--lang",
        choices=["en", "ja"],
        help="language of the report (default: Japanese when LANG is ja_*, else English)",
    )


def add_experiment_run_options(parser: argparse.ArgumentParser) -> None:
    """Which scenarios run and whether their containers stay: the experiment's and the students'
    command's (lab.experiment.students)."""
    from lab.experiment.scenarios import SCENARIOS  # stdlib only: keeps `--help` cheap on targets

    parser.add_argument(
        "--keep", action="store_true", help="leave the containers running to look at by hand"
    )
    parser.add_argument(
        "--scenario",
        action="append",
        choices=[*SCENARIOS, "all"],
        help="repeatable; default: baseline (the course note's experiment); unshare, "
        "unshare-user: the same namespaces made by util-linux unshare, without Docker; "
        "all: every one",
    )
