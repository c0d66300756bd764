"""What `./nslab COMMAND` may install: decided from the real command line, never over an engine."""

from __future__ import annotations

import contextlib
import io
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from lab.cli import main
from lab.provision import controller_setup
from lab.provision.controller_setup import (
    STANDIN_PACKAGES,
    VM_PACKAGES,
    EngineError,
    SetupPlan,
    engine_action,
)

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def plan_for(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[[list[str]], SetupPlan]:
    """The plan `./nslab ARGV` reads: nslab's own parser, NSLAB_SETUP_PLAN=1, no engine asked
    about (an engine is "use"d: what matters here is whether one is needed)."""
    monkeypatch.setenv("NSLAB_SETUP_PLAN", "1")
    monkeypatch.setattr(controller_setup, "current_engine_action", lambda: "use")

    def plan(argv: list[str]) -> SetupPlan:
        try:
            assert main(argv) == 0
        except SystemExit:
            return SetupPlan()  # --help or a usage error: nslab prints it, nothing is set up
        lines = dict(line.partition(" ")[::2] for line in capsys.readouterr().out.splitlines())
        return SetupPlan(tuple(lines["packages"].split()), lines["engine"] != "none")

    return plan


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["provision", "--help"],
        ["runs"],
        ["report"],
        ["collect", "-i", "inventory/class.yml"],
        ["vm", "status"],
        ["vm", "down"],
        ["experiment"],
        ["no-such-command"],
    ],
)
def test_commands_that_need_only_the_venv(
    argv: list[str], plan_for: Callable[[list[str]], SetupPlan]
) -> None:
    assert plan_for(argv) == SetupPlan()


def test_vm_build_and_up_need_qemu_and_the_image_tools(
    plan_for: Callable[[list[str]], SetupPlan],
) -> None:
    assert plan_for(["vm", "up", "-n", "2"]) == SetupPlan(VM_PACKAGES)
    assert plan_for(["vm", "build"]) == SetupPlan(VM_PACKAGES)


def test_the_built_in_default_needs_an_engine_only_for_the_standin(
    plan_for: Callable[[list[str]], SetupPlan],
) -> None:
    standin = plan_for(["provision", "--vms", "2"])
    assert standin.needs_engine
    assert set(standin.packages) == set(VM_PACKAGES) | set(STANDIN_PACKAGES)
    assert plan_for(["provision", "--docker-repo", "docker"]) == SetupPlan(VM_PACKAGES)


@pytest.mark.parametrize(
    "found, action",
    [("use", "use"), ("start", "start"), ("install", "none"), (EngineError("stopped"), "none")],
)
def test_a_class_inventory_gets_the_controllers_engine_started_never_installed(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    found: str | EngineError,
    action: str,
) -> None:
    """The lab image comes from the controller's Docker by default: `./nslab provision -i X` on
    a controller without a service manager starts the dockerd that is there (as the default
    class does), installs none, and leaves any other case to the playbook's one-line message."""

    def current() -> str:
        if isinstance(found, EngineError):
            raise found
        return found

    monkeypatch.setenv("NSLAB_SETUP_PLAN", "1")
    monkeypatch.setattr(controller_setup, "current_engine_action", current)
    for argv in (["provision", "-i", "class.yml"], ["provision", "--inventory=c.yml", "-C"]):
        assert main(argv) == 0
        assert capsys.readouterr().out.splitlines() == ["packages", f"engine {action}"]


def test_a_running_engine_is_used_whatever_is_installed() -> None:
    action = engine_action(answers=True, installed=["docker-ce"], dockerd=None, systemd=True)
    assert action == "use"


def test_docker_io_only_where_no_engine_exists() -> None:
    assert engine_action(answers=False, installed=[], dockerd=None, systemd=True) == "install"


@pytest.mark.parametrize(
    "installed, dockerd",
    [
        (["docker-ce", "docker-ce-cli", "containerd.io"], "/usr/bin/dockerd"),
        (["containerd.io"], None),
        (["moby-engine"], "/usr/bin/dockerd"),
        ([], "/usr/local/bin/dockerd"),
    ],
)
def test_another_engine_is_never_replaced(installed: list[str], dockerd: str | None) -> None:
    with pytest.raises(EngineError) as raised:
        engine_action(answers=False, installed=installed, dockerd=dockerd, systemd=True)
    message = str(raised.value)
    assert "systemctl start docker" in message
    assert "never installs Debian's docker.io" in message
    assert "\n" not in message


def test_a_stopped_engine_without_a_service_manager_is_started() -> None:
    for installed in (["docker.io"], ["docker-ce", "containerd.io"]):
        action = engine_action(
            answers=False, installed=installed, dockerd="/usr/sbin/dockerd", systemd=False
        )
        assert action == "start"


def test_an_engine_elsewhere_is_never_started_here(monkeypatch: pytest.MonkeyPatch) -> None:
    """A dockerd started here listens on this machine's socket: where DOCKER_HOST points at
    another engine that does not answer, nslab says so in one line and starts nothing."""
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    with pytest.raises(EngineError) as raised:
        engine_action(
            answers=False, installed=["docker.io"], dockerd="/usr/sbin/dockerd", systemd=False
        )
    assert str(raised.value) == (
        "no Docker engine answers on unix:///nonexistent/docker.sock (DOCKER_HOST); start it "
        "there, or unset DOCKER_HOST to use this machine's"
    )


def test_the_test_bed_gets_its_packages_but_no_engine_it_would_stop(
    plan_for: Callable[[list[str]], SetupPlan],
) -> None:
    """A dockerd started for a command stops when the command ends; the test bed must outlive
    `testbed up` (molecule's create runs it), so it asks for a running engine instead."""
    assert plan_for(["testbed", "up"]) == SetupPlan(STANDIN_PACKAGES)


def test_the_shell_scripts_get_an_engine_with_the_system_python(tmp_path: Path) -> None:
    """tests/run asks before the venv exists: the module must run on the standard library alone,
    and find an engine on DOCKER_HOST without the docker CLI or SDK (one that answers is used:
    no dockerd started, no pid printed)."""
    sock_path = tmp_path / "docker.sock"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(sock_path))
    server.listen(1)

    def answer_one_ping() -> None:
        connection, _ = server.accept()
        with connection:
            connection.recv(1024)
            connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK")

    threading.Thread(target=answer_one_ping, daemon=True).start()
    env = {
        "PATH": os.defpath,
        "PYTHONPATH": str(REPO),
        "DOCKER_HOST": f"unix://{sock_path}",
    }
    done = subprocess.run(
        [sys.executable, "-S", "-P", "-m", "lab.provision.controller_setup", "engine", "up"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    server.close()
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


@pytest.mark.parametrize(
    "action, fix",
    [("start", "start dockerd"), ("install", "installs Debian's docker.io where no Docker engine")],
)
def test_the_standin_says_how_to_get_an_engine(
    monkeypatch: pytest.MonkeyPatch, action: str, fix: str
) -> None:
    """`nslab provision` run without ./nslab: the stand-in stops before any VM, in one line."""
    monkeypatch.setattr(controller_setup, "current_engine_action", lambda: action)
    with pytest.raises(EngineError) as raised:
        controller_setup.require_engine("the local stand-in builds the lab image archive")
    assert fix in str(raised.value) and "\n" not in str(raised.value)


def test_nslab_sets_up_what_the_typed_command_needs_whichever_way_it_started(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """`./nslab X` only makes the venv and runs `.venv/bin/nslab X`: the set-up is nslab's own
    (lab.cli), with the plan of X as nslab's parser read it, before X runs (once a class
    inventory's request is checked: tests/unit/test_provision_config.py)."""
    inventory = tmp_path / "class.ini"
    inventory.write_text("[lab_vms]\nvm1 ansible_connection=local\n")
    planned: list[SetupPlan] = []

    @contextlib.contextmanager
    def set_up(plan: SetupPlan) -> Iterator[None]:
        planned.append(plan)
        raise controller_setup.SetupError("stopped by the test before the command ran")
        yield

    monkeypatch.setattr(controller_setup, "set_up", set_up)
    assert main(["vm", "up"]) == 2
    assert main(["provision", "-i", str(inventory)]) == 2
    assert planned == [SetupPlan(VM_PACKAGES), SetupPlan(needs_engine=True, install_engine=False)]
    assert capsys.readouterr().err.count("stopped by the test") == 2
    nslab = (REPO / "nslab").read_text()
    assert 'exec "$project/.venv/bin/nslab" "$@"' in nslab and "NSLAB_SETUP_PLAN" not in nslab


def test_a_dockerd_started_for_a_command_is_stopped_after_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A controller without a service manager, its engine installed but stopped (after
    `sudo ./nslab provision` stopped the dockerd it started): `nslab provision -i` starts it for
    the run and stops it afterwards, whichever way nslab was started."""
    calls: list[str] = []
    monkeypatch.setattr(controller_setup, "current_engine_action", lambda: "start")
    monkeypatch.setattr(controller_setup.os, "geteuid", lambda: 0)
    monkeypatch.setattr(controller_setup, "install_packages", lambda packages, out=None: None)
    monkeypatch.setattr(
        controller_setup, "start_engine", lambda out=None: calls.append("start") or 4242
    )
    monkeypatch.setattr(
        controller_setup, "stop_engine", lambda pid, out=None: calls.append(f"stop {pid}")
    )
    with controller_setup.set_up(SetupPlan(needs_engine=True, install_engine=False)):
        calls.append("command")
    assert calls == ["start", "command", "stop 4242"]

    # Not root: said in one line, and the run goes on (its lab image may come from elsewhere).
    calls.clear()
    monkeypatch.setattr(controller_setup.os, "geteuid", lambda: 1000)
    out = io.StringIO()
    with controller_setup.set_up(SetupPlan(needs_engine=True, install_engine=False), out):
        calls.append("command")
    assert calls == ["command"]
    (line,) = out.getvalue().splitlines()
    assert "run as root" in line
