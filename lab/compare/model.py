"""The comparison as data: compare.json is the source, the pages are rendered from it."""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass
from typing import Any

SCHEMA_VERSION = "1.0"


@dataclass(frozen=True)
class ContainerMeasure:
    name: str
    # From the `docker run` request (create + start) until a command (`true`) ran inside via exec.
    seconds_to_command: float
    # The container's memory cgroup, as `docker stats` counts it (usage less inactive file cache).
    memory_bytes: int
    writable_layer_bytes: int  # docker inspect --size: SizeRw, what this container wrote


@dataclass(frozen=True)
class VmMeasure:
    name: str
    accel: str  # "kvm" or "tcg"
    accel_reason: str
    memory_mib: int  # what the guest was given (qemu -m)
    cpus: int
    # From starting qemu until the lab user ran a command (`true`) over SSH.
    seconds_to_ssh: float
    qemu_rss_bytes: int  # resident memory of the qemu process once SSH answered
    base_disk_bytes: int  # allocated bytes of the cached base image (disk, kernel, initrd)
    overlay_bytes: int  # allocated bytes of this VM's copy-on-write overlay after boot


@dataclass(frozen=True)
class Machine:
    hostname: str
    kernel: str
    cpus: int
    load_before: tuple[float, float, float]  # os.getloadavg() when the run started
    load_after: tuple[float, float, float]
    docker_version: str


@dataclass(frozen=True)
class Comparison:
    run_id: str
    started_at: str
    lang: str
    image: str
    release: str  # VERSION_CODENAME of the image, and of the VM's base image
    image_bytes: int  # the image, stored once and shared by every container
    machine: Machine
    containers: list[ContainerMeasure]
    vm: VmMeasure
    schema_version: str = SCHEMA_VERSION

    @property
    def median_seconds_to_command(self) -> float:
        return statistics.median(c.seconds_to_command for c in self.containers)

    @property
    def containers_memory_bytes(self) -> int:
        return sum(c.memory_bytes for c in self.containers)

    @property
    def containers_disk_bytes(self) -> int:
        """The image once plus what each container wrote: what N containers take on disk."""
        return self.image_bytes + sum(c.writable_layer_bytes for c in self.containers)

    @property
    def vm_disk_bytes(self) -> int:
        return self.vm.base_disk_bytes + self.vm.overlay_bytes

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        # Derived figures are written out so readers need no logic of their own.
        data["summary"] = {
            "median_seconds_to_command": round(self.median_seconds_to_command, 3),
            "containers_memory_bytes": self.containers_memory_bytes,
            "containers_disk_bytes": self.containers_disk_bytes,
            "vm_disk_bytes": self.vm_disk_bytes,
        }
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Comparison:
        machine = dict(data["machine"])
        machine["load_before"] = tuple(machine["load_before"])
        machine["load_after"] = tuple(machine["load_after"])
        return cls(
            run_id=data["run_id"],
            started_at=data["started_at"],
            lang=data["lang"],
            image=data["image"],
            release=data["release"],
            image_bytes=data["image_bytes"],
            machine=Machine(**machine),
            containers=[ContainerMeasure(**c) for c in data["containers"]],
            vm=VmMeasure(**data["vm"]),
            schema_version=data["schema_version"],
        )
