"""`nslab compare`: containers first (measured, then removed), then the VM (measured, stopped).

One side at a time, so neither slows the other down. SIGINT and SIGTERM become an exception, so
the containers and the VM are removed before the command exits, as the experiment does.
"""

from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from lab.compare import containers, render
from lab.compare.machine import VmSettings, booted_vm
from lab.compare.model import Comparison, Machine
from lab.debian.cache import cache_dir
from lab.experiment import containers as lab_containers
from lab.experiment import images
from lab.experiment.command import parse_formats
from lab.experiment.errors import EnvironmentProblem
from lab.experiment.fingerprint import os_release
from lab.experiment.run import connect

DEFAULT_IMAGE = "debian:12"
MIN_VM_MEMORY_MIB = 256


@dataclass(frozen=True)
class CompareOptions:
    containers: int = 3
    image: str = DEFAULT_IMAGE
    lang: str = "en"
    vm: VmSettings = field(default_factory=VmSettings)


def compare_command(options: CompareOptions, output_dir: Path, formats: list[str] | None) -> int:
    chosen = parse_formats(formats)
    if options.containers < 1:
        raise EnvironmentProblem("--containers must be at least 1")
    if options.vm.memory_mib < MIN_VM_MEMORY_MIB or options.vm.cpus < 1:
        raise EnvironmentProblem(
            f"--vm-memory must be at least {MIN_VM_MEMORY_MIB} (MiB) and --vm-cpus at least 1, "
            "so that the lab's Debian VM can boot"
        )
    if os.geteuid() != 0:
        raise EnvironmentProblem(
            "run as root (sudo nslab compare): it reads containers' cgroups and boots a VM"
        )
    comparison = run_compare(options)
    written = render.write(comparison, output_dir, chosen, options.lang)
    print(render.terminal(comparison, options.lang))
    for path in written:
        print(f"  {path}")
    return 0


def run_compare(options: CompareOptions) -> Comparison:
    started = datetime.now(UTC)
    load_before = os.getloadavg()
    client = connect()
    docker_version = str(client.version().get("Version", "unknown"))
    images.ensure_image(client, options.image, None)
    image_bytes = int(client.api.inspect_image(options.image)["Size"])
    boot_id = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    owner = lab_containers.Owner.of(os.getpid(), boot_id)
    if owner is None:
        raise EnvironmentProblem("cannot read this process's own /proc entry; is /proc mounted?")
    lab_containers.remove_leftovers(client, boot_id)
    run_id = secrets.token_hex(4)
    with lab_containers.signals_raise():
        try:
            measured, pids = containers.start_and_measure(
                client, options.image, options.containers, run_id, owner
            )
            release = os_release(f"/proc/{pids[0]}/root/etc/os-release").get("VERSION_CODENAME")
        finally:
            with lab_containers.signals_deferred():
                lab_containers.remove_run(client, run_id)
        if not release:
            raise EnvironmentProblem(f"{options.image} names no Debian release in /etc/os-release")
        with booted_vm(cache_dir(), release, run_id, owner, options.vm) as vm:
            pass  # measured while booting; leaving the block stops the VM
    return Comparison(
        run_id=run_id,
        started_at=started.isoformat(timespec="seconds"),
        lang=options.lang,
        image=options.image,
        release=release,
        image_bytes=image_bytes,
        machine=Machine(
            hostname=socket.gethostname(),
            kernel=os.uname().release,
            cpus=os.cpu_count() or 1,
            load_before=load_before,
            load_after=os.getloadavg(),
            docker_version=docker_version,
        ),
        containers=measured,
        vm=vm,
    )
