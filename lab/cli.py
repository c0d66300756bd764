"""Command line: parses arguments and calls one function per command.

Each command's module is imported only when that command runs, so `python3 -m lab experiment`
works on a target that has nothing but Debian's python3 and python3-docker.
"""

from __future__ import annotations

import argparse
import sys


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nslab", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_testbed(commands)
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
