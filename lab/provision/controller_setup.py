"""What `nslab COMMAND` sets up on this controller before COMMAND runs, and nothing more.

nslab itself does it, whichever way it is started (`./nslab`, `.venv/bin/nslab`, the wheel's
`nslab`): lab/cli.py runs each command inside `set_up(plan_for(args))`, after checking its
request where it has one (`provision -i`, `collect`): bad input changes nothing here. `./nslab`
only makes the venv first (`venv`, below). The plan is made from the command line as the CLI
parsed it (nslab's one parser; this module never imports the CLI), so it follows the real options
(`provision -i ...`, `--docker-repo docker`, `vm status`); a command that will not run
(`--help`, a usage error) needs nothing. Only the built-in default class (local VMs, the
stand-in) and `vm build|up` need Debian packages; the stand-in, the test bed and a class whose
lab image comes from the controller need a Docker engine.

The engine is never replaced: Debian's docker.io Conflicts with Docker's own packages, so
installing it where docker-ce, containerd.io, moby-engine or any other engine is present would
remove the instructor's Docker. An engine that answers is used as it is; one that is installed
but stopped is started for the command where no service manager runs it (and stopped again
after), else it is the instructor's to start; docker.io is installed only where no engine exists.

The standard library only: `./nslab`, tests/run and bench/run run it before the venv exists,
with the system python3 (-P: never a module from the current directory):
    python3 -P -m lab.provision.controller_setup venv [LOCK]      the project's venv from locks/
    python3 -P -m lab.provision.controller_setup packages PKG...  the missing ones installed
    python3 -P -m lab.provision.controller_setup engine up        an engine that answers; prints
                                                                  the pid of a dockerd started
    python3 -P -m lab.provision.controller_setup engine down PID  stops that dockerd
    NSLAB_SETUP_PLAN=1 nslab ARGS...   prints the plan (packages ..., engine none|use|start|install)
What cannot be done is one line saying what to do, and exit 2.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TextIO

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
# Where the docker CLI looks when DOCKER_HOST is unset: where a dockerd started here listens.
DEFAULT_DOCKER_HOST = "unix:///var/run/docker.sock"
# A dockerd started here: where its pid and output go, how long it may take to answer or stop.
DOCKERD_PIDFILE = Path("/var/run/nslab-dockerd.pid")
DOCKERD_LOG = Path("/var/log/nslab-dockerd.log")
DOCKERD_WAIT_S = 60

EngineAction = Literal["none", "use", "start", "install"]


class EngineError(LabError):
    pass


class SetupError(LabError):
    """What the controller lacks and how to get it, in one line."""

    exit_code = 2


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
        # The packages only: a dockerd started for a command is stopped when it ends, and the
        # test bed must outlive `testbed up` (molecule's create runs it, then drives the hosts).
        # Without an engine the test bed says in one line to start one (tests/run does).
        return SetupPlan(STANDIN_PACKAGES)
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
    if _docker_host() != DEFAULT_DOCKER_HOST:
        # A dockerd started here would listen on this machine's socket, not where DOCKER_HOST
        # points: the engine there is its owner's to start.
        raise EngineError(
            f"no Docker engine answers on {_docker_host()} (DOCKER_HOST); start it there, or "
            "unset DOCKER_HOST to use this machine's"
        )
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
            f"{why}, and this machine has none; `nslab provision` run as root installs Debian's "
            "docker.io where no Docker engine exists, or install Docker Engine with Docker's steps"
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
    return os.environ.get("DOCKER_HOST") or DEFAULT_DOCKER_HOST


def engine_plan(plan: SetupPlan) -> tuple[tuple[str, ...], EngineAction]:
    """The Debian packages to install and what to do about the engine; an engine the plan must
    have but cannot get is an EngineError."""
    try:
        action = current_engine_action() if plan.needs_engine else "none"
    except LabError:
        if plan.install_engine:
            raise
        action = "none"  # the playbook says in one line what to do if the class needs one
    if action == "install" and not plan.install_engine:
        action = "none"
    return plan.packages + ((DEBIAN_ENGINE,) if action == "install" else ()), action


def print_plan(plan: SetupPlan) -> int:
    """NSLAB_SETUP_PLAN=1: what `set_up` would do for the command, done nothing of."""
    try:
        packages, action = engine_plan(plan)
    except LabError as error:
        print(f"nslab: {error}", file=sys.stderr)
        return error.exit_code
    print("packages", *packages)
    print("engine", action)
    return 0


@contextlib.contextmanager
def set_up(plan: SetupPlan, out: TextIO | None = None) -> Iterator[None]:
    """Install the plan's missing Debian packages, get it a Docker engine that answers; a dockerd
    started here is stopped again when the command is done."""
    if plan == SetupPlan():
        yield  # most commands: no dpkg, no socket, nothing
        return
    out = out or sys.stderr
    packages, action = engine_plan(plan)
    install_packages(packages, out)
    if action == "start" and not plan.install_engine and os.geteuid() != 0:
        # A class may take its lab image from elsewhere: say it, and let the playbook decide.
        out.write(
            "nslab setup: Docker Engine is installed but does not answer; run as root to have "
            "it started for the run (the lab image comes from the controller's Docker by default)\n"
        )
        action = "none"
    started = start_engine(out) if action in ("start", "install") else None
    try:
        yield
    finally:
        if started is not None:
            stop_engine(started, out)


# Packages whose service, as Debian starts it at install, must not run: docker-registry's is a
# read-write registry on every address (the class registry runs its own, read-only:
# roles/namespace_lab/files/class_registry.py).
SERVICES_OFF = frozenset({"docker-registry"})


def missing_packages(packages: Sequence[str]) -> list[str]:
    installed = set(_installed(packages))
    return [name for name in dict.fromkeys(packages) if name not in installed]


def install_packages(packages: Sequence[str], out: TextIO | None = None) -> None:
    """apt-get install the `packages` dpkg does not list as installed; root only then."""
    if not packages or shutil.which("dpkg-query") is None:
        return  # not Debian: nothing to ask dpkg, the command's own checks say what is missing
    missing = missing_packages(packages)
    if not missing:
        return
    _require_root(f"it installs the Debian packages {' '.join(missing)}")
    out = out or sys.stderr
    out.write(f"nslab setup: installing Debian packages: {' '.join(missing)}\n")
    out.flush()
    apt = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for step in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", *missing]):
        # apt's own output on stderr: `engine up` prints only a pid on stdout.
        if subprocess.run(step, env=apt, stdout=2, check=False).returncode != 0:
            raise SetupError(f"`{' '.join(step[:2])}` failed (above); fix apt and run again")
    for service in (name for name in missing if name in SERVICES_OFF):
        if Path("/run/systemd/system").is_dir():
            subprocess.run(["systemctl", "disable", "--now", service], stdout=2, check=False)


def start_engine(out: TextIO | None = None) -> int | None:
    """A Docker engine that answers: docker.io installed where no engine exists (its package
    starts it under systemd), else dockerd started here. Returns the pid of a dockerd started
    here, None when one answers already."""
    out = out or sys.stderr
    action = current_engine_action()
    if action == "use":
        return None
    if action == "install":
        install_packages([DEBIAN_ENGINE], out)
        if _engine_answers():
            return None  # its package started it (systemd)
    _require_root("it starts dockerd")
    out.write(f"nslab setup: starting dockerd (log: {DOCKERD_LOG})\n")
    out.flush()
    with DOCKERD_LOG.open("ab") as log:
        dockerd = subprocess.Popen(
            ["dockerd", "--pidfile", str(DOCKERD_PIDFILE)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    deadline = time.monotonic() + DOCKERD_WAIT_S
    while time.monotonic() < deadline and dockerd.poll() is None:
        if _engine_answers():
            return dockerd.pid
        time.sleep(0.5)
    stop_engine(dockerd.pid, out, quiet=True)
    raise SetupError(f"dockerd did not answer on {_docker_host()}; see {DOCKERD_LOG}")


def stop_engine(pid: int, out: TextIO | None = None, *, quiet: bool = False) -> None:
    """Stop a dockerd `start_engine` started, giving it the time it takes to stop its
    containers first."""
    if not quiet:
        (out or sys.stderr).write(f"nslab setup: stopping the dockerd it started (pid {pid})\n")
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + DOCKERD_WAIT_S
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.5)


def _alive(pid: int) -> bool:
    with contextlib.suppress(ChildProcessError):
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False  # our child, now reaped
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _require_root(why: str) -> None:
    if os.geteuid() != 0:
        command = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "nslab"
        raise SetupError(f"run as root ({why}): sudo {command} ...")


def ensure_venv(project: Path, lock: str = "controller", out: TextIO | None = None) -> Path:
    """The project's venv at .venv: every package at the version and hash the lock names
    (locks/controller.txt, or locks/LOCK.txt), then nslab itself, editable, without
    dependencies. pip runs again only when the lock changed (a stamp in the venv says which lock
    was installed: the test lock serves a command that needs the controller's)."""
    venv = project / ".venv"
    if not (venv / "bin" / "python").exists():
        install_packages(["python3-venv"], out)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    stamp_file = venv / ".nslab-installed"
    stamp = stamp_file.read_text().strip() if stamp_file.is_file() else ""
    wanted = _lock_stamp(project, lock)
    if stamp == wanted or (lock == "controller" and stamp == _lock_stamp(project, "test")):
        return venv
    pip = [str(venv / "bin" / "pip"), "install", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "--require-hashes", "-r", f"locks/{lock}.txt"], cwd=project, check=True)
    # The lock carries the build backend, so nothing unpinned is fetched to build nslab.
    subprocess.run([*pip, "--no-deps", "--no-build-isolation", "-e", "."], cwd=project, check=True)
    stamp_file.write_text(wanted + "\n")
    return venv


def _lock_stamp(project: Path, lock: str) -> str:
    """As `cat pyproject.toml locks/LOCK.txt | sha256sum` made it: venvs made before stay."""
    text = (project / "pyproject.toml").read_bytes() + (
        project / "locks" / f"{lock}.txt"
    ).read_bytes()
    return f"{hashlib.sha256(text).hexdigest()} {lock}"


def main(argv: Sequence[str]) -> int:
    """The shell scripts' way in (see the module's docstring)."""
    parser = argparse.ArgumentParser(prog="python3 -m lab.provision.controller_setup")
    steps = parser.add_subparsers(dest="step", required=True)
    venv = steps.add_parser("venv", help="the project's venv from a lock")
    venv.add_argument("lock", nargs="?", default="controller")
    steps.add_parser("packages").add_argument("packages", nargs="*")
    engine = steps.add_parser("engine")
    engine.add_argument("action", choices=["up", "down"])
    engine.add_argument("pid", nargs="?", type=int)
    args = parser.parse_args(argv)
    try:
        if args.step == "venv":
            ensure_venv(Path(__file__).resolve().parents[2], args.lock)
        elif args.step == "packages":
            install_packages(args.packages)
        elif args.action == "up":
            started = start_engine()
            if started is not None:
                print(started)
        elif args.pid is not None:
            stop_engine(args.pid)
    except LabError as error:
        print(f"nslab: {error}", file=sys.stderr)
        return error.exit_code
    except subprocess.CalledProcessError as error:
        print(f"nslab: {' '.join(map(str, error.cmd))} failed (above)", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
