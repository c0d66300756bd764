"""The docker_engine role against the seed's bare install steps, on identical fresh hosts.

    .venv/bin/python bench/install_bench.py [--runs 3]

Each round boots two fresh Debian 12 hosts from the same image: on one the seed's shell steps run
directly (lab/testing/seed.py through `docker exec`, the stand-in's URL in place of
download.docker.com, apt told to answer yes), on the other `ansible-playbook playbooks/docker.yml`
(issue 6, item 1). The order alternates between rounds, so a trend in the machine's load or the
mirror's speed hits both. Both end with the engine answering `docker info`. Writes
bench/results/install.json with the role's time per round as a ratio to the seed's.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import docker
from docker.models.containers import Container
from lab_hosts import Measured, fresh_hosts, measure, write_inventory
from measure import PROJECT, ratios, spread, write_results

from lab.testing import Testbed, bed
from lab.testing.seed import seed_script

GOAL_RATIO = 1.10  # issue 6, item 1: the role adds no more than 10%


def seed_steps(host: Container, testbed: Testbed) -> Measured:
    # The role waits until the engine answers; so does the seed's side.
    script = seed_script(testbed.standin_base_url, install=True) + "docker info >/dev/null\n"
    command = ["docker", "exec", "-e", "DEBIAN_FRONTEND=noninteractive", host.name]
    return checked(measure([*command, "sh", "-c", script], cwd=PROJECT))


def role(host: Container, testbed: Testbed, workdir: Path) -> Measured:
    inventory = write_inventory(workdir / "inventory.json", [host], testbed.role_variables())
    playbook = PROJECT / "playbooks" / "docker.yml"
    command = [str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(inventory)]
    env = {"ANSIBLE_CONFIG": str(PROJECT / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1"}
    return checked(measure([*command, str(playbook)], cwd=PROJECT, env=env))


def checked(measured: Measured) -> Measured:
    if measured.returncode != 0:
        sys.exit(f"failed ({measured.returncode}):\n{measured.output[-4000:]}")
    return measured


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    client, testbed = docker.from_env(), bed.up()
    seed_s: list[float] = []
    role_s: list[float] = []
    for round_number in range(args.runs):
        with (
            fresh_hosts(client, testbed, 2, f"install{round_number}") as (bare, managed),
            tempfile.TemporaryDirectory(prefix="nslab-bench-") as tmp,
        ):
            if round_number % 2 == 0:
                seed_s.append(seed_steps(bare, testbed).seconds)
                role_s.append(role(managed, testbed, Path(tmp)).seconds)
            else:
                role_s.append(role(managed, testbed, Path(tmp)).seconds)
                seed_s.append(seed_steps(bare, testbed).seconds)
        print(f"round {round_number + 1}: seed steps {seed_s[-1]:.1f} s, role {role_s[-1]:.1f} s")
    per_round = ratios(role_s, seed_s)
    verdict = "within" if per_round["median"] <= GOAL_RATIO else "NOT within"
    print(f"goal: role x{per_round['median']} of the seed's steps, {verdict} x{GOAL_RATIO}")
    write_results(
        "install",
        {
            "runs": args.runs,
            "target_hosts": "Debian 12 systemd containers on this machine (docker connection)",
            "goal_ratio": GOAL_RATIO,
            "seed_steps_s": spread(seed_s, digits=1),
            "role_s": spread(role_s, digits=1),
            "role_to_seed_per_round": per_round,
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
