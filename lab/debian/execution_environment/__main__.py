"""`python3 -m lab.debian.execution_environment [--save FILE]`: build nslab's AWX execution
environment on this machine (root, dockerd running) and print its image reference; with --save,
also write it as a `docker save` archive to load or push where AWX pulls from."""

from __future__ import annotations

import argparse
import sys

import docker

from lab.debian.cache import cache_dir
from lab.debian.execution_environment import ensure_execution_environment
from lab.debian.rootfs import debian_mirror
from lab.errors import LabError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m lab.debian.execution_environment")
    parser.add_argument("--save", metavar="FILE", help="also `docker save` the image to FILE")
    args = parser.parse_args(argv)
    try:
        client = docker.from_env()
        reference = ensure_execution_environment(client, cache_dir(), debian_mirror())
        if args.save:
            with open(args.save, "wb") as out:
                for chunk in client.images.get(reference).save(named=reference):
                    out.write(chunk)
    except (LabError, docker.errors.DockerException) as error:
        print(f"nslab: {error}", file=sys.stderr)
        return 1
    print(reference)
    return 0


if __name__ == "__main__":
    sys.exit(main())
