"""`nslab vm build|up|down|status`: one function per command over a `VmOptions`."""

from __future__ import annotations

import shutil
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from lab.debian.cache import cache_dir, locked
from lab.debian.releases import DEFAULT_RELEASE, release_named
from lab.debian.rootfs import debian_mirror
from lab.progress import say
from lab.vm import accel, machine
from lab.vm.errors import VmError
from lab.vm.image import ADMIN_USER, BaseImage, disk_recipe, ensure_base_image
from lab.vm.inventory import InventoryHost, inventory_document, write_inventory
from lab.vm.keys import LabKey, ensure_lab_key
from lab.vm.ssh import SSH_HOST, wait_for_ssh
from lab.vm.state import StateDir, VmRecord

DEFAULT_INVENTORY = Path("inventory/local.yml")


@dataclass(frozen=True)
class VmOptions:
    cache: Path
    state_dir: Path
    inventory: Path = DEFAULT_INVENTORY
    count: int = 1
    memory_mib: int = 2048
    cpus: int = 2
    accel: str = "auto"
    # Under TCG on a busy 2-core machine boot to SSH takes about a minute; leave ample room.
    boot_timeout_s: float = 600.0
    # The Debian mirror the controller's own apt uses, unless told otherwise.
    mirror: str = field(default_factory=debian_mirror)
    release: str = DEFAULT_RELEASE.codename  # Debian codename of the base image


def default_state_dir(cache: Path) -> Path:
    return cache / "vm" / "machines"


def run_action(action: str, arguments: Mapping[str, object]) -> int:
    """The CLI's entry: `arguments` are its parsed options; unset ones keep VmOptions' defaults."""
    cache = cache_dir()
    settings = {
        "cache": cache,
        "state_dir": arguments.get("state_dir") or default_state_dir(cache),
        "inventory": arguments.get("inventory"),
        "count": arguments.get("count"),
        "memory_mib": arguments.get("memory"),
        "cpus": arguments.get("cpus"),
        "accel": arguments.get("accel"),
        "boot_timeout_s": arguments.get("timeout"),
        "mirror": arguments.get("mirror"),
        "release": arguments.get("release"),
    }
    options = VmOptions(**{name: value for name, value in settings.items() if value is not None})
    {"build": build, "up": up, "down": down, "status": status}[action](options)
    return 0


def build(options: VmOptions) -> BaseImage:
    image, key = _ensure_base(options)
    print(f"base image: {image.disk}")
    print(f"lab SSH key: {key.private}")
    return image


def _ensure_base(options: VmOptions) -> tuple[BaseImage, LabKey]:
    # Locked: two first runs at once would both make a key and a disk, and only one can win.
    with locked(options.cache / "vm"):
        key = ensure_lab_key(options.cache)
        recipe = disk_recipe(options.mirror, key.public_line(), release_named(options.release))
        image = ensure_base_image(recipe, options.cache)
    return image, key


def up(options: VmOptions) -> list[VmRecord]:
    """Boot `count` fresh VMs from the base image, wait for SSH, write the inventory."""
    if options.count < 1:
        raise VmError("-n must be at least 1")
    image, key = _ensure_base(options)
    state = StateDir(options.state_dir)
    with locked(state.root):
        _stop_all(state, reason="replacing them with fresh ones")
        acceleration = accel.detect(options.accel, image, options.cache)
        say(f"acceleration: {acceleration.name} ({acceleration.reason})")
        records = _boot(options, state, image, key, acceleration)
    inventory = write_inventory(
        options.inventory,
        inventory_document(
            [
                InventoryHost(r.name, r.ssh_port, r.name, state.paths(r.name).known_hosts)
                for r in records
            ],
            ADMIN_USER,
            key.private,
        ),
    )
    for record in records:
        known_hosts = state.paths(record.name).known_hosts
        print(
            f"{record.name}: ssh -i {key.private} -p {record.ssh_port} "
            f"-o UserKnownHostsFile={known_hosts} {ADMIN_USER}@{SSH_HOST}"
        )
    print(f"inventory: {inventory.resolve()}")
    return records


def _boot(
    options: VmOptions,
    state: StateDir,
    image: BaseImage,
    key: LabKey,
    acceleration: accel.Acceleration,
) -> list[VmRecord]:
    started = time.monotonic()
    records = []
    created = []
    try:
        for index in range(1, options.count + 1):
            spec = machine.VmSpec(f"vm{index}", options.memory_mib, options.cpus)
            paths = state.paths(spec.name)
            shutil.rmtree(paths.directory, ignore_errors=True)
            created.append(paths)
            machine.create_overlay(image, paths)
            pid, port = machine.start(spec, image, paths, acceleration)
            record = VmRecord(
                name=spec.name,
                pid=pid,
                ssh_port=port,
                accel=acceleration.name,
                base_image=image.key,
                memory_mib=spec.memory_mib,
                cpus=spec.cpus,
                inventory=str(options.inventory.resolve()),
            )
            state.save(record)
            records.append(record)
        # The VMs boot in parallel; one deadline covers them all.
        deadline = started + options.boot_timeout_s
        for record in records:
            wait_for_ssh(
                key.private,
                record.ssh_port,
                ADMIN_USER,
                state.paths(record.name),
                deadline,
                still_booting=lambda record=record: state.is_running(record),
            )
            say(f"{record.name} answers SSH ({time.monotonic() - started:.0f} s after start)")
    except BaseException:
        # Nothing half-booted keeps running; the serial logs stay for the error to point at.
        for record in records:
            machine.stop(record.pid, state.paths(record.name))
        for paths in created:
            paths.overlay.unlink(missing_ok=True)
        raise
    return records


def down(options: VmOptions) -> int:
    state = StateDir(options.state_dir)
    with locked(state.root):
        stopped = _stop_all(state, reason="stopping")
    print(f"stopped and removed {stopped} VM(s)" if stopped else "no lab VMs to stop")
    return stopped


def _stop_all(state: StateDir, reason: str) -> int:
    records = state.records()
    if records:
        say(f"{reason}: {', '.join(r.name for r in records)}")
    for record in records:
        paths = state.paths(record.name)
        machine.stop(record.pid, paths)
        Path(record.inventory).unlink(missing_ok=True)
        shutil.rmtree(paths.directory)
    return len(records)


def status(options: VmOptions) -> list[tuple[VmRecord, bool]]:
    state = StateDir(options.state_dir)
    rows = [(record, state.is_running(record)) for record in state.records()]
    if not rows:
        print("no lab VMs (start some with `nslab vm up`)")
    for record, running in rows:
        print(
            f"{record.name}\t{'running' if running else 'stopped'}\tpid {record.pid}\t"
            f"ssh 127.0.0.1:{record.ssh_port}\t{record.accel}\t"
            f"{record.memory_mib} MiB\t{record.cpus} cpu(s)"
        )
    return rows
