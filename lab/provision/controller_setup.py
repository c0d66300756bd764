"""What `./nslab COMMAND` sets up on this controller before COMMAND runs, and nothing more.

The plan is made from the command line as the CLI parsed it (nslab's one parser; this module
never imports the CLI), so it follows the real options (`provision -i ...`, `--docker-repo
docker`, `vm status`); a command that will not run (`--help`, a usage error) needs nothing.
Only the built-in default class (local VMs, the stand-in) and `vm build|up` need Debian
packages; only the stand-in and the test bed need a Docker engine on the controller.

The engine is never replaced: Debian's docker.io Conflicts with Docker's own packages, so
installing it where docker-ce, containerd.io, moby-engine or any other engine is present would
remove the instructor's Docker. An engine that answers is used as it is; one that is installed
but stopped is the instructor's to start; docker.io is installed only where no engine exists.

For the shell wrappers (stdlib only: it runs before the venv has the Docker SDK):
    NSLAB_SETUP_PLAN=1 python3 -m lab ARGS...           ->  packages PACKAGE...
                                                            engine none|use|start|install
    python3 -m lab.provision.controller_setup --engine  ->  use|start|install
An engine that cannot be used prints one line saying what to do and exits 2.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from lab.errors import LabError

VM_PACKAGES = ("qemu-system-x86", "qemu-utils", "openssh-client", "e2fsprogs", "debootstrap")
# The stand-in for download.docker.com and the lab image archive, built on the controller.
STANDIN_PACKAGES = ("debootstrap", "apt-utils", "gnupg", "curl")
DEBIAN_ENGINE = "docker.io"
# Packages that are (part of) another Docker engine; docker.io conflicts with them or replaces
# what they ship, so apt would remove them to install it.
OTHER_ENGINE_PACKAGES = (
    "docker-ce",
    "docker-ce-cli",
    "containerd.io",
    "docker-ce-rootless-extras",
    "docker-ee",
    "docker-engine",
    "moby-engine",
    "moby-cli",
    "moby-containerd",
    "moby-runc",
    "podman-docker",
)
PING_TIMEOUT_S = 5

EngineAction = Literal["none", "use", "start", "install"]


class EngineError(LabError):
    pass


@dataclass(frozen=True)
class SetupPlan:
    packages: tuple[str, ...] = ()
    needs_engine: bool = False
    # False: an engine that is there is started, none is installed (a class whose image may
    # come from elsewhere; the playbook says in one line what to do if it needs one).
    install_engine: bool = True

    def __add__(self, other: SetupPlan) -> SetupPlan:
        return SetupPlan(
            tuple(dict.fromkeys(self.packages + other.packages)),
            self.needs_engine or other.needs_engine,
            self.install_engine and other.install_engine,
        )


def plan_for(args: argparse.Namespace) -> SetupPlan:
    """What the command nslab's parser read into `args` needs on this machine."""
    if args.command == "vm":
        # down and status only read state files and signal qemu processes.
        return SetupPlan(VM_PACKAGES) if args.vm_command in ("build", "up") else SetupPlan()
    if args.command == "testbed" and args.action == "up":
        return SetupPlan(STANDIN_PACKAGES, needs_engine=True)
    if args.command == "provision" and args.inventory is None:
        # The built-in default: local VMs, and the stand-in unless download.docker.com is asked
        # for by name (auto falls back to the stand-in when download.docker.com does not answer).
        local = SetupPlan(VM_PACKAGES)
        if args.docker_repo == "docker":
            return local
        return local + SetupPlan(STANDIN_PACKAGES, needs_engine=True)
    if args.command == "provision":
        # A class inventory: the lab image comes from the controller's Docker by default
        # (namespace_lab_image_source: controller), so an installed engine is started where no
        # service manager does it; none is installed for a class that may not need one.
        return SetupPlan(needs_engine=True, install_engine=False)
    return SetupPlan()


def engine_action(
    *,
    answers: bool,
    installed: Sequence[str],
    dockerd: str | None,
    systemd: bool,
) -> EngineAction:
    """How to get a Docker engine that answers, or an EngineError saying what to do instead."""
    if answers:
        return "use"
    others = [name for name in installed if name != DEBIAN_ENGINE]
    if dockerd is not None and DEBIAN_ENGINE not in installed and not others:
        others = [dockerd]  # an engine installed outside apt (static binaries, a script)
    if not others and DEBIAN_ENGINE not in installed:
        return "install"
    found = ", ".join(others or [DEBIAN_ENGINE])
    if systemd:
        raise EngineError(
            f"Docker Engine ({found}) is installed but does not answer on "
            f"{_docker_host()}; start it (systemctl start docker) and run again"
            + ("; nslab never installs Debian's docker.io over it" if others else "")
        )
    if dockerd is None:
        raise EngineError(
            f"{found} is installed but there is no dockerd to start; finish installing Docker "
            "Engine with Docker's documented steps (or remove those packages) and run again"
        )
    # No service manager (a container): starting the installed dockerd is what a person does.
    return "start"


def current_engine_action() -> EngineAction:
    return engine_action(
        answers=_engine_answers(),
        installed=_installed((*OTHER_ENGINE_PACKAGES, DEBIAN_ENGINE)),
        dockerd=shutil.which("dockerd"),
        systemd=Path("/run/systemd/system").is_dir(),
    )


def require_engine(why: str) -> None:
    """Return if a Docker engine answers; else an EngineError saying how to get one."""
    action = current_engine_action()
    if action == "start":
        raise EngineError(f"{why}, and no engine answers on {_docker_host()}; start dockerd")
    if action == "install":
        raise EngineError(
            f"{why}, and this machine has none; `./nslab provision` installs Debian's docker.io "
            "where no Docker engine exists, or install Docker Engine with Docker's steps"
        )


def _engine_answers() -> bool:
    """True if a Docker engine answers `GET /_ping` where the docker CLI would look."""
    host = _docker_host()
    try:
        if host.startswith("unix://"):
            connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            connection.settimeout(PING_TIMEOUT_S)
            connection.connect(host.removeprefix("unix://"))
        elif host.startswith("tcp://"):
            address, _, port = host.removeprefix("tcp://").rstrip("/").rpartition(":")
            connection = socket.create_connection((address, int(port)), PING_TIMEOUT_S)
        else:
            return False  # ssh:// and the like: the CLI's business, not a local engine
        with connection:
            connection.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
            return connection.recv(64).split(b"\r\n")[0].endswith(b" 200 OK")
    except (OSError, ValueError):
        return False


def _installed(packages: Sequence[str]) -> list[str]:
    """The `packages` dpkg lists as installed (removed-but-configured ones are not)."""
    if shutil.which("dpkg-query") is None:
        return []
    done = subprocess.run(
        ["dpkg-query", "-W", "-f", "${Package} ${db:Status-Status}\\n", *packages],
        capture_output=True,
        text=True,
        check=False,
    )
    installed = {
        name
        for name, _, status in (line.partition(" ") for line in done.stdout.splitlines())
        if status == "installed"
    }
    return [name for name in packages if name in installed]


def _docker_host() -> str:
    return os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"


def print_plan(args: argparse.Namespace) -> int:
    """The plan for the shell wrappers (NSLAB_SETUP_PLAN=1): the Debian packages to install and
    what to do about the engine; an engine that cannot be used is one line and exit 2."""
    plan = plan_for(args)
    try:
        action = current_engine_action() if plan.needs_engine else "none"
    except LabError as error:
        if plan.install_engine:
            print(f"nslab: {error}", file=sys.stderr)
            return error.exit_code
        action = "none"
    if action == "install" and not plan.install_engine:
        action = "none"
    packages = plan.packages + ((DEBIAN_ENGINE,) if action == "install" else ())
    print("packages", *packages)
    print("engine", action)
    return 0


def main(argv: Sequence[str]) -> int:
    """`--engine`: how to get a Docker engine that answers (use, start or install)."""
    if list(argv) != ["--engine"]:
        print("usage: python3 -m lab.provision.controller_setup --engine", file=sys.stderr)
        return 2
    try:
        print(current_engine_action())
    except LabError as error:
        print(f"nslab: {error}", file=sys.stderr)
        return error.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
