"""Fresh Debian 12 hosts for the benchmarks, and a command run against them with its cost.

Hosts are the test bed's systemd containers (what Molecule and the integration tests use),
reached with the community.docker.docker connection, or over SSH (`SshAccess`) where the figure
depends on the transport: the bytes through the controller and the CPU its ssh clients spend.
Docker comes from the stand-in for download.docker.com, Debian's packages from Debian's mirror.
"""

from __future__ import annotations

import io
import json
import os
import resource
import signal
import subprocess
import tarfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import docker
from docker.models.containers import Container

from lab.testing import Testbed
from lab.testing.aptcache import received_bytes
from lab.testing.hosts import running_host

SAMPLE_EVERY_S = 0.5
# Each host's systemd holds inotify instances of the machine's root (7 descriptors; the default
# limit of 128 starts 22 hosts, and the 23rd exits with status 255 before it logs a word); the
# machine's own daemons hold a few more.
INOTIFY_INSTANCES = Path("/proc/sys/fs/inotify/max_user_instances")
INOTIFY_PER_HOST = 8
INOTIFY_FOR_THE_MACHINE = 32


@contextmanager
def fresh_hosts(
    client: docker.DockerClient,
    testbed: Testbed,
    count: int,
    purpose: str,
    image: str | None = None,
) -> Iterator[list[Container]]:
    """`count` hosts booted from the same image (the test bed's host image unless `image`);
    removed (with their volumes) afterwards."""
    with ExitStack() as stack:
        stack.enter_context(inotify_room(count))
        yield [
            stack.enter_context(
                running_host(
                    client,
                    image or testbed.host_image,
                    f"nslab-bench-{purpose}-{number}-{os.getpid()}",
                    testbed.network,
                    purpose,
                )
            )
            for number in range(1, count + 1)
        ]


@contextmanager
def inotify_room(count: int) -> Iterator[None]:
    """Room for `count` hosts' systemd under fs.inotify.max_user_instances: raised while they
    run when the machine's limit is lower, and put back afterwards."""
    limit = int(INOTIFY_INSTANCES.read_text())
    needed = INOTIFY_FOR_THE_MACHINE + INOTIFY_PER_HOST * count
    if limit >= needed:
        yield
        return
    print(f"bench: fs.inotify.max_user_instances {limit} -> {needed} while {count} hosts run")
    INOTIFY_INSTANCES.write_text(f"{needed}\n")
    try:
        yield
    finally:
        INOTIFY_INSTANCES.write_text(f"{limit}\n")
        print(f"bench: fs.inotify.max_user_instances back to {limit}")


@dataclass(frozen=True)
class SshAccess:
    """Root over SSH with a key made for this run: how the controller reaches the hosts when
    the figures are about the transport. Each host's SSH traffic is counted by two iptables
    rules on the controller (packets to its port 22, packets from it): the containers sit on a
    Docker bridge of this machine, so only the controller's own connections pass INPUT/OUTPUT
    (the hosts' downloads are forwarded, not counted)."""

    private_key: Path
    network: str

    @classmethod
    def create(cls, directory: Path, network: str) -> SshAccess:
        key = directory / "id_ed25519"
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "nslab-bench", "-f", str(key)],
            check=True,
        )
        return cls(key, network)

    def authorize(self, container: Container) -> None:
        public = self.private_key.with_suffix(".pub").read_bytes()
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as tar:
            entries = ((".ssh", 0o700, None), (".ssh/authorized_keys", 0o600, public))
            for name, mode, data in entries:
                info = tarfile.TarInfo(name)
                info.mode = mode
                if data is None:
                    info.type = tarfile.DIRTYPE
                else:
                    info.size = len(data)
                tar.addfile(info, io.BytesIO(data) if data is not None else None)
        container.put_archive("/root", buffer.getvalue())

    def address(self, container: Container) -> str:
        container.reload()
        return container.attrs["NetworkSettings"]["Networks"][self.network]["IPAddress"]

    def host_vars(self, container: Container) -> dict[str, object]:
        return {
            "ansible_connection": "ssh",
            "ansible_host": self.address(container),
            "ansible_user": "root",
            "ansible_ssh_private_key_file": str(self.private_key),
            # Throw-away hosts made from one image (one host key for all): as `nslab vm up`'s
            # inventory does for its local VMs.
            "ansible_ssh_common_args": (
                "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null"
            ),
        }


class SshByteCounter:
    """Bytes between the controller and each host's SSH port, from iptables rule counters."""

    def __init__(self, addresses: dict[str, str]) -> None:
        self.addresses = addresses  # inventory name -> IP
        self._tag = f"nslab-bench-{os.getpid()}"

    def _rules(self) -> list[tuple[str, list[str]]]:
        rules = []
        for name, ip in self.addresses.items():
            comment = ["-m", "comment", "--comment", f"{self._tag}:{name}"]
            rules.append(("OUTPUT", ["-d", f"{ip}/32", "-p", "tcp", "--dport", "22", *comment]))
            rules.append(("INPUT", ["-s", f"{ip}/32", "-p", "tcp", "--sport", "22", *comment]))
        return rules

    def __enter__(self) -> SshByteCounter:
        for chain, spec in self._rules():
            subprocess.run(["iptables", "-w", "-I", chain, *spec], check=True)
        return self

    def __exit__(self, *_: object) -> None:
        for chain, spec in self._rules():
            subprocess.run(["iptables", "-w", "-D", chain, *spec], check=False)

    def read(self) -> dict[str, dict[str, int]]:
        """Per host: bytes `sent` (controller to host) and `received`, since the rules began."""
        counts: dict[str, dict[str, int]] = {name: {} for name in self.addresses}
        for chain, direction in (("OUTPUT", "sent"), ("INPUT", "received")):
            listing = subprocess.run(
                ["iptables", "-w", "-L", chain, "-n", "-v", "-x"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            for line in listing.splitlines():
                if f"/* {self._tag}:" in line:
                    name = line.split(f"{self._tag}:", 1)[1].split()[0]
                    counts[name][direction] = int(line.split()[1])
        return counts


class SshMasters:
    """The ssh connection masters of one run (ControlPersist, ansible.cfg). A master detaches
    from the run that starts it, so it is neither in that run's process tree nor among the
    children it reaps, yet it encrypts every byte: its CPU and memory are the controller's cost
    too. Each run gets its own control directory, so a re-run opens its connections anew (as a
    class re-run minutes later would) and its masters can be found by their process titles."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True)
        self.directory = directory

    def env(self) -> dict[str, str]:
        return {"ANSIBLE_SSH_CONTROL_PATH_DIR": str(self.directory)}

    def pids(self) -> list[int]:
        """The masters alive now: their title is `ssh: <control path> [mux]`."""
        found = []
        for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
            try:
                title = cmdline.read_bytes()
            except OSError:
                continue
            if title.startswith(b"ssh: ") and str(self.directory).encode() in title:
                found.append(int(cmdline.parent.name))
        return found

    def stop(self) -> float:
        """The CPU seconds the masters spent; then end them (this run started them)."""
        ticks = os.sysconf("SC_CLK_TCK")
        seconds = 0.0
        for pid in self.pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                seconds += (int(fields[11]) + int(fields[12])) / ticks  # utime + stime
                os.kill(pid, signal.SIGTERM)
            except (OSError, IndexError, ValueError):
                continue  # it ended meanwhile
        return seconds


def write_inventory(
    path: Path,
    hosts: list[Container],
    variables: dict[str, object],
    ssh: SshAccess | None = None,
) -> Path:
    """A class inventory: the hosts in lab_vms (s01, s02, ...) with `variables` for the group,
    reached with `docker exec`, or over SSH with `ssh`."""
    members = {
        f"s{number:02d}": ssh.host_vars(container)
        if ssh
        else {
            "ansible_connection": "community.docker.docker",
            "ansible_host": container.name,
            # Ansible skips become (sudo, which these hosts lack) when it already is that user.
            "ansible_user": "root",
        }
        for number, container in enumerate(hosts, start=1)
    }
    for member in members.values():
        member["ansible_python_interpreter"] = "/usr/bin/python3"
    inventory = {"all": {"children": {"lab_vms": {"hosts": members, "vars": variables}}}}
    path.write_text(json.dumps(inventory, indent=2))
    return path


@dataclass(frozen=True)
class Measured:
    """One command's wall time and what it cost this machine."""

    seconds: float
    returncode: int
    output: str
    cpu_seconds: float  # user + system of the command and everything it started and reaped
    peak_pss_mib: float  # largest proportional set size of its whole process tree at once
    machine_busy: float  # share of all CPUs busy during the command (0-1), whoever used them


def measure(
    command: list[str],
    cwd: Path,
    env: dict[str, str] | None = None,
    detached: Callable[[], list[int]] | None = None,
) -> Measured:
    """Run `command`; `detached` names processes it started that left its tree (counted in
    its peak memory; their CPU is the caller's to add, see SshMasters)."""
    before_cpu = _children_cpu()
    before_stat = _cpu_ticks()
    started = time.monotonic()
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    peak = _PeakSampler(process.pid, detached)
    peak.start()
    output, _ = process.communicate()
    seconds = time.monotonic() - started
    peak.stop()
    busy, total = (after - before for after, before in zip(_cpu_ticks(), before_stat, strict=True))
    return Measured(
        seconds=seconds,
        returncode=process.returncode,
        output=output,
        cpu_seconds=_children_cpu() - before_cpu,
        peak_pss_mib=peak.peak_bytes / 2**20,
        machine_busy=busy / total if total else 0.0,
    )


def received_bytes_total(hosts: list[Container]) -> int:
    """Bytes the hosts' network interfaces received: their downloads (Ansible reaches them
    through `docker exec`, not their network)."""
    return sum(received_bytes(container) for container in hosts)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _cpu_ticks() -> tuple[int, int]:
    """(busy, total) jiffies over all CPUs from /proc/stat."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


class _PeakSampler:
    """Samples the PSS of a process and all its descendants until stopped; keeps the peak."""

    def __init__(self, root: int, detached: Callable[[], list[int]] | None = None) -> None:
        self.root = root
        self.detached = detached or list
        self.peak_bytes = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._done.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._done.is_set():
            pids = _tree(self.root) + self.detached()
            self.peak_bytes = max(self.peak_bytes, sum(map(_pss, pids)))
            self._done.wait(SAMPLE_EVERY_S)


def _tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue  # the process ended while we looked
        children.setdefault(parent, []).append(int(stat.parent.name))
    found, pending = [], [root]
    while pending:
        pid = pending.pop()
        found.append(pid)
        pending += children.get(pid, [])
    return found


def _pss(pid: int) -> int:
    """Proportional set size: shared pages (forked Ansible workers share many) counted once."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0
