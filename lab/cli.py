"""Command line: parses arguments and calls one function per command.

Each command's module is imported only when that command runs, so `python3 -m lab experiment`
works on a target that has nothing but Debian's python3 and python3-docker.
"""

from __future__ import annotations

import argparse
import sys


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nslab", description=__doc__.splitlines()[0])
    parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
