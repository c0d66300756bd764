"""The qemu command line of a lab VM, and picking its SSH port."""

from __future__ import annotations

import socket
from pathlib import Path

from lab.vm.accel import Acceleration
from lab.vm.image import BaseImage
from lab.vm.machine import VmSpec, free_port, kernel_command_line, qemu_command
from lab.vm.state import VmPaths

IMAGE = BaseImage(Path("/cache/vm/images/abc"))
PATHS = VmPaths(Path("/state/vm2"))


def _command(accel: str = "tcg") -> list[str]:
    return qemu_command(
        VmSpec("vm2", memory_mib=1536, cpus=3), IMAGE, PATHS, Acceleration(accel, "test"), 40022
    )


def _value(command: list[str], option: str) -> str:
    return command[command.index(option) + 1]


def test_boots_the_base_kernel_directly_with_the_overlay_as_root() -> None:
    command = _command()
    assert _value(command, "-kernel") == "/cache/vm/images/abc/vmlinuz"
    assert _value(command, "-initrd") == "/cache/vm/images/abc/initrd.img"
    drive = _value(command, "-drive").split(",")
    assert drive[:3] == ["file=/state/vm2/overlay.qcow2", "format=qcow2", "if=virtio"]
    append = _value(command, "-append").split()
    assert {"root=/dev/vda", "console=ttyS0", "systemd.hostname=vm2"} <= set(append)
    # The base disk itself never appears: qemu reaches it only through the overlay's backing file.
    assert not any("disk.qcow2" in argument for argument in command)


def test_ssh_is_forwarded_from_loopback_only() -> None:
    assert _value(_command(), "-netdev") == "user,id=net0,hostfwd=tcp:127.0.0.1:40022-:22"


def test_memory_cpus_serial_log_and_pidfile() -> None:
    command = _command()
    assert _value(command, "-m") == "1536"
    assert _value(command, "-smp") == "3"
    assert _value(command, "-serial") == "file:/state/vm2/serial.log"
    assert _value(command, "-pidfile") == "/state/vm2/qemu.pid"
    assert "-daemonize" in command


def test_acceleration_flags() -> None:
    tcg, kvm = _command("tcg"), _command("kvm")
    assert (_value(tcg, "-accel"), _value(tcg, "-cpu")) == ("tcg", "max")
    assert (_value(kvm, "-accel"), _value(kvm, "-cpu")) == ("kvm", "host")


def test_kernel_command_line_names_the_vm() -> None:
    assert "systemd.hostname=vm7" in kernel_command_line(VmSpec("vm7", 1024, 1))


def test_free_port_is_bindable_on_loopback() -> None:
    port = free_port()
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", port))


def test_the_vm_gets_the_host_key_the_controller_made_for_it() -> None:
    assert _value(_command(), "-fw_cfg") == (
        "name=opt/nslab/ssh_host_ed25519_key,file=/state/vm2/ssh_host_ed25519_key"
    )
