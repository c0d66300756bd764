"""The VM side: boot one VM from the cached base image, measure it, stop it by its PID.

The VM lives in its own state directory (<cache>/vm/compare/<name>: overlay, serial log, pidfile,
vm.json, and the owner of the run), apart from `nslab vm up`'s machines, which it never touches.
A run that was killed outright leaves its directory behind; the next run stops that VM by the
recorded PID (only while that process still has the overlay on its command line) and removes it.
"""

from __future__ import annotations

import contextlib
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from lab.compare.measure import allocated_bytes, rss_bytes
from lab.compare.model import VmMeasure
from lab.debian.cache import locked
from lab.debian.rootfs import debian_mirror
from lab.experiment.containers import Owner, owner_alive, signals_deferred
from lab.experiment.errors import EnvironmentProblem
from lab.progress import say
from lab.vm import accel, machine
from lab.vm.image import ADMIN_USER, BaseImage, disk_recipe, ensure_base_image
from lab.vm.keys import LabKey, ensure_lab_key
from lab.vm.ssh import wait_for_ssh
from lab.vm.state import StateDir, VmRecord

OWNER_FILE = "owner"


@dataclass(frozen=True)
class VmSettings:
    memory_mib: int = 1024
    cpus: int = 1
    accel: str = "auto"
    boot_timeout_s: float = 600.0


def state_dir(cache: Path) -> StateDir:
    return StateDir(cache / "vm" / "compare")


def base_image(cache: Path, release: str) -> tuple[BaseImage, LabKey]:
    """The cached base image (built on first use: several minutes), for the containers' release."""
    with locked(cache / "vm"):
        key = ensure_lab_key(cache)
        recipe = disk_recipe(debian_mirror(), key.public_line())
        if recipe.rootfs.suite != release:
            raise EnvironmentProblem(
                f"the image is Debian {release!r} but nslab's VM base image is "
                f"{recipe.rootfs.suite!r}: compare with an image of the same release "
                "(--image debian:12)"
            )
        return ensure_base_image(recipe, cache), key


def remove_leftovers(state: StateDir, boot_id: str) -> list[str]:
    """Stop and remove the VMs of compare runs whose process is gone."""
    removed = []
    for record in state.records():
        paths = state.paths(record.name)
        owner = Owner.parse(_read(paths.directory / OWNER_FILE))
        if owner is not None and owner_alive(owner, boot_id):
            continue
        machine.stop(record.pid, paths)
        shutil.rmtree(paths.directory)
        removed.append(record.name)
    return removed


def _read(path: Path) -> str:
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        return ""


@contextlib.contextmanager
def booted_vm(
    cache: Path, release: str, run_id: str, owner: Owner, settings: VmSettings
) -> Iterator[VmMeasure]:
    """Boot, measure once SSH answers, and always stop the VM and remove its overlay."""
    image, key = base_image(cache, release)
    state = state_dir(cache)
    remove_leftovers(state, owner.boot_id)
    acceleration = accel.detect(settings.accel, image, cache)
    say(f"acceleration: {acceleration.name} ({acceleration.reason})")
    spec = machine.VmSpec(f"compare-{run_id}", settings.memory_mib, settings.cpus)
    paths = state.paths(spec.name)
    pid = None
    try:
        paths.directory.mkdir(parents=True)
        (paths.directory / OWNER_FILE).write_text(owner.label() + "\n")
        machine.create_overlay(image, paths)
        started = time.monotonic()
        pid, port = machine.start(spec, image, paths, acceleration)
        record = VmRecord(
            spec.name, pid, port, acceleration.name, image.key, spec.memory_mib, spec.cpus, ""
        )
        state.save(record)
        say(f"{spec.name}: qemu pid {pid}, waiting for SSH on 127.0.0.1:{port} ...")
        wait_for_ssh(
            key.private,
            port,
            ADMIN_USER,
            paths,
            started + settings.boot_timeout_s,
            still_booting=lambda: state.is_running(record),
        )
        seconds = time.monotonic() - started
        yield VmMeasure(
            name=spec.name,
            accel=acceleration.name,
            accel_reason=acceleration.reason,
            memory_mib=spec.memory_mib,
            cpus=spec.cpus,
            seconds_to_ssh=round(seconds, 3),
            qemu_rss_bytes=rss_bytes(pid),
            base_disk_bytes=allocated_bytes(image.disk, image.kernel, image.initrd),
            overlay_bytes=allocated_bytes(paths.overlay),
        )
    finally:
        # Interrupted while qemu was daemonizing: its pidfile still names it.
        pid = pid or _pid_in(paths.pidfile)
        with signals_deferred():
            if pid is not None:
                machine.stop(pid, paths)
            shutil.rmtree(paths.directory, ignore_errors=True)


def _pid_in(pidfile: Path) -> int | None:
    text = _read(pidfile)
    return int(text) if text.isdigit() else None
