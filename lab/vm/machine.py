"""One qemu VM: a thin overlay on the untouched base disk, direct kernel boot, SSH on a port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from lab.debian.shell import run
from lab.vm.accel import Acceleration
from lab.vm.errors import VmError
from lab.vm.host_keys import FW_CFG_NAME, make_host_key, pin_host_key
from lab.vm.image import BaseImage
from lab.vm.ssh import SSH_HOST
from lab.vm.state import VmPaths, process_has_argument

# How often a start is retried when the free port it picked was taken before qemu bound it.
PORT_ATTEMPTS = 5
STOP_GRACE_S = 10.0
ZOMBIE_WAIT_S = 5.0


@dataclass(frozen=True)
class VmSpec:
    name: str
    memory_mib: int
    cpus: int


def kernel_command_line(spec: VmSpec) -> str:
    # net.ifnames=0: the one NIC is eth0 whatever PCI slot it gets.
    return f"root=/dev/vda ro console=ttyS0 net.ifnames=0 systemd.hostname={spec.name}"


def qemu_command(
    spec: VmSpec, image: BaseImage, paths: VmPaths, accel: Acceleration, ssh_port: int
) -> list[str]:
    return [
        "qemu-system-x86_64",
        "-name", f"nslab-{spec.name}",
        "-machine", "q35",
        *accel.qemu_args(),
        "-smp", str(spec.cpus),
        "-m", str(spec.memory_mib),
        "-nodefaults", "-no-user-config", "-display", "none",
        "-kernel", str(image.kernel),
        "-initrd", str(image.initrd),
        "-append", kernel_command_line(spec),
        # cache=unsafe: the overlay is thrown away with the VM, so the guest's flushes (dpkg
        # syncs after every package) need not reach the host's disk.
        "-drive", f"file={paths.overlay},format=qcow2,if=virtio,cache=unsafe",
        "-netdev", f"user,id=net0,hostfwd=tcp:{SSH_HOST}:{ssh_port}-:22",
        # romfile= : no iPXE option ROM; the kernel is booted directly, never from the network.
        "-device", "virtio-net-pci,netdev=net0,romfile=",
        # The guest's early random numbers (sshd, apt's TLS) from the host's entropy: quick
        # under TCG.
        "-device", "virtio-rng-pci",
        # The VM's SSH host key, made by the controller, which pins it (lab.vm.host_keys).
        "-fw_cfg", f"name={FW_CFG_NAME},file={paths.host_key}",
        "-serial", f"file:{paths.serial_log}",
        # qemu forks only once its devices (and the port forward) are set up, so a taken port
        # is an exit status here, not a VM that is unreachable later.
        "-daemonize", "-pidfile", str(paths.pidfile),
    ]  # fmt: skip


def create_overlay(image: BaseImage, paths: VmPaths) -> None:
    """A copy-on-write disk over the base: the VM writes here and the base stays untouched."""
    paths.directory.mkdir(parents=True, exist_ok=True)
    run([
        "qemu-img", "create", "-q", "-f", "qcow2",
        "-b", str(image.disk), "-F", "qcow2", str(paths.overlay),
    ])  # fmt: skip


def start(spec: VmSpec, image: BaseImage, paths: VmPaths, accel: Acceleration) -> tuple[int, int]:
    """Boot the VM in the background with a fresh host key pinned for its port; return (pid,
    ssh_port)."""
    make_host_key(paths, spec.name)
    last_error = ""
    for _ in range(PORT_ATTEMPTS):
        port = free_port()
        paths.serial_log.unlink(missing_ok=True)
        answer = subprocess.run(
            qemu_command(spec, image, paths, accel, port), capture_output=True, text=True
        )
        if answer.returncode == 0:
            pin_host_key(paths, SSH_HOST, port)
            return int(paths.pidfile.read_text().strip()), port
        last_error = answer.stderr.strip()
        if "hostfwd" not in last_error and "host forwarding" not in last_error:
            break
    raise VmError(f"qemu could not start {spec.name}: {last_error}")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now (qemu binds it moments later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((SSH_HOST, 0))
        return probe.getsockname()[1]


def stop(pid: int, paths: VmPaths) -> None:
    """Stop the qemu process `pid` if it is still this VM's, and wait until it is gone."""
    marker = str(paths.overlay)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if not process_has_argument(pid, marker):
            return
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + STOP_GRACE_S
        while process_has_argument(pid, marker) and time.monotonic() < deadline:
            time.sleep(0.1)
    if process_has_argument(pid, marker):
        raise VmError(f"qemu (pid {pid}) of {paths.directory.name} survived SIGKILL")
    _wait_reaped(pid)


def _wait_reaped(pid: int) -> None:
    """Give init a moment to reap the exited qemu (not our child: it daemonized), so the PID is
    really gone when `down` returns; a zombie holds no resources, so do not wait for long."""
    deadline = time.monotonic() + ZOMBIE_WAIT_S
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
