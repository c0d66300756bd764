"""Two processes in new namespaces without Docker: util-linux `unshare`, and their guaranteed end.

Each process is `unshare --kill-child OPTIONS sh -c '<set its hostname>; exec sleep infinity'`,
the same command the containers run. The process that matters is unshare's child, PID 1 of the new
PID namespace: unshare itself stays in the host's PID namespace. Stopping kills the child (its PID
namespace and everything in it go with it), then unshare. Should the experiment itself be killed
outright (SIGKILL, no cleanup code runs), the kernel kills unshare (`setpriv --pdeathsig KILL`)
and unshare kills its child (--kill-child): nothing is left behind either way.

Probes enter all the child's namespaces with `nsenter --all` and run the containers' probe script.
Only util-linux (unshare, setpriv, nsenter, ipcmk) and coreutils: Debian has them on every host.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from lab.experiment import evidence
from lab.experiment.errors import EnvironmentProblem
from lab.experiment.namespaces import read_nspid
from lab.experiment.pair import Observed
from lab.experiment.scenarios import Scenario, UnshareSpec
from lab.report.model import ContainerInfo

# In each process's environment, so a person (or a test) can find this run's processes:
# grep -l NSLAB_RUN=<run id> /proc/*/environ
RUN_ENV = "NSLAB_RUN"
OWNER_ENV = "NSLAB_OWNER"
COMMAND = ["sleep", "infinity"]  # what the containers run too
START_TIMEOUT_S = 30.0
PROBE_TIMEOUT_S = 60.0


@dataclass
class UnshareLauncher:
    """Starts this run's unshare processes and stops every one of them."""

    run_id: str
    owner: str  # the experiment's Owner label, as the containers carry it
    keep: bool
    proc_root: str = "/proc"
    _running: list[subprocess.Popen[bytes]] = field(default_factory=list)
    _children: list[int] = field(default_factory=list)

    def start(self, scenario: str, role: str, spec: UnshareSpec) -> ContainerInfo:
        name = f"{scenario}{role.removeprefix('container')}"
        process = self._spawn(name, spec)
        child = self._wait_for_child(process, name)
        return ContainerInfo(
            role=role,
            name=name,
            id="",
            image="",
            host_pid=child,
            nspid=read_nspid(child, self.proc_root),
            state="running",
            modes={},
        )

    def _spawn(self, name: str, spec: UnshareSpec) -> subprocess.Popen[bytes]:
        # Without a new UTS namespace, setting the hostname would rename the host itself.
        set_hostname = 'printf %s "$1" > /proc/sys/kernel/hostname && exec ' + " ".join(COMMAND)
        inner = (
            ["sh", "-c", set_hostname, "nslab-unshare", f"nslab-{name}"]
            if "uts" in spec.namespaces
            else COMMAND
        )
        command = ["unshare", "--kill-child", *spec.unshare_args(), *inner]
        if not self.keep:
            command = ["setpriv", "--pdeathsig", "KILL", *command]
        try:
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                env={**os.environ, RUN_ENV: self.run_id, OWNER_ENV: self.owner},
                # Ctrl-C in the terminal reaches the experiment, which then stops them in order.
                start_new_session=True,
            )
        except FileNotFoundError as error:
            raise EnvironmentProblem(
                f"{error.filename} not found: install Debian's util-linux (apt install util-linux)"
            ) from None
        self._running.append(process)
        return process

    def _wait_for_child(self, process: subprocess.Popen[bytes], name: str) -> int:
        """The child once it runs `sleep`: its hostname is set and its namespaces are final."""
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if process.poll() is not None:
                message = (process.stderr.read() if process.stderr else b"").decode().strip()
                raise EnvironmentProblem(
                    f"unshare could not start {name} (exit {process.returncode}): "
                    f"{message or 'no message'}. It needs root and a kernel with these namespaces."
                )
            child = _sleeping_child(process.pid, self.proc_root)
            if child is not None:
                self._children.append(child)
                return child
            time.sleep(0.01)
        raise EnvironmentProblem(f"unshare started {name} but its process never ran `sleep`")

    def stop_all(self) -> None:
        """Kill every process this launcher started and reap it; safe to call more than once."""
        for pid in self._children:
            _kill(pid)
        for process in self._running:
            _kill(process.pid)
            process.wait()
            if process.stderr:
                process.stderr.close()
        self._children.clear()
        self._running.clear()

    @property
    def kept_pids(self) -> list[int]:
        return list(self._children)


def _sleeping_child(pid: int, proc_root: str) -> int | None:
    """unshare's one child, once it has exec'd `sleep` (setpriv execs unshare: same PID)."""
    try:
        children = Path(proc_root, str(pid), "task", str(pid), "children").read_text().split()
        if children and Path(proc_root, children[0], "comm").read_text().strip() == COMMAND[0]:
            return int(children[0])
    except OSError:
        pass  # not forked yet, or gone: the caller looks again or sees unshare's exit
    return None


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def probe(pid: int, marker: str, make_ipc: bool) -> dict[str, str]:
    """The containers' probe script, run inside every namespace of `pid`."""
    command = ["nsenter", "--target", str(pid), "--all", *evidence.probe_command(marker, make_ipc)]
    result = subprocess.run(command, capture_output=True, check=False, timeout=PROBE_TIMEOUT_S)
    if result.returncode != 0:
        raise EnvironmentProblem(
            f"nsenter into PID {pid} failed: {result.stderr.decode().strip() or 'no message'}"
        )
    return evidence.parse_sections(result.stdout.decode(errors="replace"))


def start_and_probe(launcher: UnshareLauncher, scenario: Scenario) -> Observed:
    """Both processes start and are probed in turn: each takes milliseconds, no threads needed
    (and the kernel's parent-death signal is tied to the thread that started the process)."""
    infos = []
    for role, spec in scenario.specs().items():
        if not isinstance(spec, UnshareSpec):
            raise TypeError(f"{scenario.name}: {role} is not started by unshare")
        infos.append(launcher.start(scenario.name, role, spec))
    marker = f"nslab-{launcher.run_id}"
    probes = {
        "container1": probe(infos[0].host_pid, marker, make_ipc=True),
        "container2": probe(infos[1].host_pid, marker, make_ipc=False),
    }
    return Observed(containers=infos, probes=probes)
