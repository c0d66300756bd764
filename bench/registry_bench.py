"""How the lab image reaches a host: the archive route against the registry route.

    .venv/bin/python bench/registry_bench.py [--runs N]

One fresh Debian 12 host of the test bed gets Docker (playbooks/docker.yml); then, for each
variant and round, the host's lab image is removed and playbooks/experiment.yml gives it back:

- archive: the controller's `docker save` of the lab image, copied to the host and loaded (the
  default route). Its bytes are the archive's size: what the controller's SSH carries to each
  host (the docker connection used here carries it through `docker exec` instead, so the host's
  network counters do not see it).
- registry: the controller's class registry (namespace_lab_image_route: registry) on this
  machine's address on the test bed's network; the host pulls the compressed layers by digest.
  Its bytes are what the host's network interface received during the run (nothing else of the
  run uses the host's network: Ansible reaches it through `docker exec`).
- registry, trimmed image: the same with the lab image as Debian's official image is made (no apt
  package lists, no downloaded .debs: the test bed's image carries both), to show what the route
  moves for an image of the official one's size.

Writes bench/results/registry.json: per variant, wall time of the run and the bytes per host.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import docker
from lab_hosts import Measured, fresh_hosts, measure, write_inventory
from measure import PROJECT, spread, write_results

from lab.testing import bed
from lab.testing.aptcache import received_bytes
from lab.testing.hosts import controller_endpoint

MIB = 2**20
VENV_BIN = Path(sys.executable).parent
TRIMMED = "nslab-bench/debian-trimmed:12"
# What Debian's official image does not ship and the test bed's debootstrap leaves in.
TRIM = "rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/cache/apt/archives/*.deb"


def trimmed_image(client: docker.DockerClient, source: str) -> str:
    """`source` with apt's lists and caches removed, flattened to one layer like the lab image."""
    container = client.containers.run(source, ["sh", "-c", TRIM], detach=True)
    try:
        container.wait()
        exported = b"".join(container.export())
        repository, tag = TRIMMED.rsplit(":", 1)
        client.api.import_image_from_data(
            exported, repository=repository, tag=tag, changes=['CMD ["bash"]']
        )
    finally:
        container.remove(force=True)
    return TRIMMED


def playbook(name: str, inventory: Path) -> Measured:
    measured = measure(
        [str(VENV_BIN / "ansible-playbook"), f"playbooks/{name}", "-i", str(inventory)],
        cwd=PROJECT,
        env={"PATH": f"{VENV_BIN}:/usr/sbin:/usr/bin:/sbin:/bin", "ANSIBLE_NOCOLOR": "1"},
    )
    if measured.returncode != 0:
        sys.exit(f"{name} failed ({measured.returncode}):\n{measured.output[-3000:]}")
    return measured


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    client, testbed = docker.from_env(), bed.up()
    address, port = controller_endpoint(client, testbed.network)
    trimmed = trimmed_image(client, testbed.lab_image)
    figures: dict[str, dict[str, object]] = {}
    with (
        tempfile.TemporaryDirectory(prefix="nslab-bench-") as tmp,
        fresh_hosts(client, testbed, 1, "registry") as (host,),
    ):
        work = Path(tmp)
        base = {
            **testbed.role_variables(),
            "namespace_lab_controller_image_dir": str(work / "images"),
            "namespace_lab_reports_dir": str(work / "reports"),
            "namespace_lab_registry_address": address,
            "namespace_lab_registry_port": port,
        }
        del base["namespace_lab_image_archive"]  # the image comes from the controller
        variants = {
            "archive": {**base, "namespace_lab_image_route": "archive"},
            "registry": {**base, "namespace_lab_image_route": "registry"},
            "registry, trimmed image": {
                **base,
                "namespace_lab_image_route": "registry",
                "namespace_lab_image": trimmed,
            },
        }
        playbook("docker.yml", write_inventory(work / "docker.json", [host], base))
        for name, variables in variants.items():
            inventory = write_inventory(work / f"{len(figures)}.json", [host], variables)
            image = str(variables["namespace_lab_image"])
            seconds, received, cpu = [], [], []
            for _ in range(args.runs):
                # By ID: the registry route leaves the image under its registry digest too, and a
                # tag removed alone would leave the layers for the next pull to skip.
                host.exec_run(
                    ["sh", "-c", f"docker rmi -f $(docker image inspect -f '{{{{.Id}}}}' {image})"]
                )
                before = received_bytes(host)
                measured = playbook("experiment.yml", inventory)
                received.append((received_bytes(host) - before) / MIB)
                seconds.append(measured.seconds)
                cpu.append(measured.cpu_seconds)
            entry: dict[str, object] = {
                "image": image,
                "image_mib": round(client.images.get(image).attrs["Size"] / MIB, 1),
                "wall_s": spread(seconds, 1),
                "controller_cpu_s": spread(cpu, 2),
            }
            if variables["namespace_lab_image_route"] == "archive":
                archive = next((work / "images").glob("*.tar"))
                entry["bytes_per_host_mib"] = round(archive.stat().st_size / MIB, 1)
                entry["bytes_per_host_is"] = "the docker save archive the controller's SSH carries"
            else:
                entry["host_received_mib"] = spread(received, 1)
                entry["bytes_per_host_mib"] = entry["host_received_mib"]["median"]
                entry["bytes_per_host_is"] = "what the host's network received (the pull)"
            figures[name] = entry
            print(name, entry, flush=True)
    client.images.remove(trimmed)
    write_results(
        "registry",
        {
            "target_hosts": "a Debian 12 systemd container on this machine (docker connection)",
            "runs": args.runs,
            "variants": figures,
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
