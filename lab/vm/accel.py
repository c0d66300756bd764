"""KVM when it actually works, TCG otherwise.

/dev/kvm existing (even opening it) proves little: on some hosts KVM guests hang before printing
anything. So `auto` boots the lab kernel under KVM once and checks that its initramfs reaches
userland on the serial console; the verdict is cached per host boot, qemu version and kernel.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from lab.debian.cache import cache_key
from lab.progress import say
from lab.vm.errors import VmError
from lab.vm.image import BaseImage

ACCEL_CHOICES = ("auto", "kvm", "tcg")
KVM_DEVICE = Path("/dev/kvm")
# Printed by Debian's initramfs /init: the guest ran the kernel and started userland.
PROGRESS_MARKER = b"Loading, please wait..."
# A working KVM gets there in about a second; TCG needs about 10 s on the slow machines.
PROBE_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Acceleration:
    name: str
    reason: str

    def qemu_args(self) -> list[str]:
        if self.name == "kvm":
            return ["-accel", "kvm", "-cpu", "host"]
        return ["-accel", "tcg", "-cpu", "max"]


@dataclass(frozen=True)
class ProbeResult:
    kvm_works: bool
    detail: str


def choose(requested: str, device_usable: bool, probe: Callable[[], ProbeResult]) -> Acceleration:
    """The acceleration to use; `probe` runs only when the answer depends on it."""
    if requested == "tcg":
        return Acceleration("tcg", "requested")
    if requested == "kvm":
        if not device_usable:
            raise VmError(f"--accel kvm: {KVM_DEVICE} is missing or not readable and writable")
        return Acceleration("kvm", "requested")
    if requested != "auto":
        raise VmError(
            f"unknown acceleration {requested!r}: choose one of {', '.join(ACCEL_CHOICES)}"
        )
    if not device_usable:
        return Acceleration("tcg", f"{KVM_DEVICE} is missing or not usable")
    result = probe()
    return Acceleration("kvm" if result.kvm_works else "tcg", result.detail)


def kvm_device_usable(device: Path = KVM_DEVICE) -> bool:
    try:
        os.close(os.open(device, os.O_RDWR))
    except OSError:
        return False
    return True


def detect(requested: str, image: BaseImage, cache: Path) -> Acceleration:
    return choose(requested, kvm_device_usable(), lambda: cached_probe(image, cache))


def cached_probe(image: BaseImage, cache: Path) -> ProbeResult:
    verdict_file = cache / "vm" / "kvm-probe.json"
    key = cache_key({"boot_id": _boot_id(), "qemu": _qemu_version(), "kernel": image.key})
    try:
        stored = json.loads(verdict_file.read_text())
        if stored["key"] == key:
            return ProbeResult(**stored["result"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    say("checking whether KVM guests boot on this machine ...")
    result = probe_kvm(image)
    say(f"KVM {'works' if result.kvm_works else 'does not work'}: {result.detail}")
    verdict_file.parent.mkdir(parents=True, exist_ok=True)
    partial = verdict_file.with_name(f".{verdict_file.name}.{os.getpid()}")
    partial.write_text(json.dumps({"key": key, "result": asdict(result)}) + "\n")
    os.replace(partial, verdict_file)
    return result


def probe_kvm(image: BaseImage, timeout_s: float = PROBE_TIMEOUT_S) -> ProbeResult:
    """Boot the lab kernel under KVM without a disk and watch the serial console for userland."""
    with tempfile.TemporaryDirectory(prefix="nslab-kvm-probe-") as work:
        log = Path(work) / "serial.log"
        command = [
            "qemu-system-x86_64", *Acceleration("kvm", "probe").qemu_args(),
            "-m", "256", "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
            "-serial", f"file:{log}",
            "-kernel", str(image.kernel), "-initrd", str(image.initrd),
            "-append", "console=ttyS0 panic=-1",
        ]  # fmt: skip
        started = time.monotonic()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            while time.monotonic() - started < timeout_s:
                if log.exists() and PROGRESS_MARKER in log.read_bytes():
                    elapsed = time.monotonic() - started
                    return ProbeResult(True, f"a KVM guest reached userland in {elapsed:.1f} s")
                if process.poll() is not None:
                    error = process.stderr.read().decode(errors="replace").strip()
                    return ProbeResult(False, f"qemu -accel kvm failed: {error[-300:]}")
                time.sleep(0.2)
            return ProbeResult(False, f"a KVM guest printed nothing useful in {timeout_s:.0f} s")
        finally:
            process.kill()
            process.wait()


def _boot_id() -> str:
    return Path("/proc/sys/kernel/random/boot_id").read_text().strip()


def _qemu_version() -> str:
    try:
        answer = subprocess.run(
            ["qemu-system-x86_64", "--version"], capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError) as error:
        raise VmError(
            "qemu-system-x86_64 is not usable; install the Debian package qemu-system-x86"
        ) from error
    return answer.stdout.splitlines()[0]
