"""One entry point: run_experiment(options) -> Report. Sequences the run; pair.py overlaps the
steps of one scenario's two containers."""

from __future__ import annotations

import os
import platform
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import lab
from lab.experiment import containers as lab_containers
from lab.experiment import evidence, fingerprint, images, unshare
from lab.experiment.analysis import analyse
from lab.experiment.errors import EnvironmentProblem
from lab.experiment.namespaces import read_namespaces
from lab.experiment.pair import start_and_probe
from lab.experiment.scenarios import Scenario, for_engine, select
from lab.experiment.sdk import docker
from lab.report.model import Fingerprint, NamespaceRef, Report, Runtime, ScenarioResult

DEFAULT_IMAGE = "debian:12"


@dataclass(frozen=True)
class ExperimentOptions:
    image: str = DEFAULT_IMAGE
    image_archive: Path | None = None
    name_prefix: str = "container"
    scenarios: list[str] = field(default_factory=lambda: ["baseline"])
    keep: bool = False
    lang: str = "en"


def run_experiment(options: ExperimentOptions) -> Report:
    try:
        scenarios = select(options.scenarios)
    except KeyError as unknown:
        raise EnvironmentProblem(
            f"unknown scenario {unknown}; see `nslab experiment --help`"
        ) from None
    if os.geteuid() != 0:
        raise EnvironmentProblem(
            "run as root (sudo python3 -m lab experiment): reading another process's "
            "/proc/PID/ns needs root"
        )
    started, clock = datetime.now(UTC), time.monotonic()
    client = connect()
    reference, host_refs = fingerprint.host_namespaces()
    facts = fingerprint.collect(client.version(), client.info(), reference, sorted(host_refs))
    if any(scenario.launcher == "docker" for scenario in scenarios):
        images.ensure_image(client, options.image, options.image_archive)
    owner = lab_containers.Owner.of(os.getpid(), facts.boot_id)
    if owner is None:
        raise EnvironmentProblem("cannot read this process's own /proc entry; is /proc mounted?")
    lab_containers.remove_leftovers(client, facts.boot_id)
    run_id = secrets.token_hex(4)
    launchers = Launchers(
        lab_containers.Launcher(
            client, run_id, owner, options.image, options.name_prefix, options.keep
        ),
        unshare.UnshareLauncher(run_id, owner.label(), options.keep),
    )
    results: list[ScenarioResult] = []
    finished = False
    with lab_containers.signals_raise():
        try:
            for scenario in scenarios:
                baseline = next((r for r in results if r.name == "baseline"), None)
                results.append(
                    _run_scenario(
                        client, launchers, scenario, facts, host_refs, options.lang, baseline
                    )
                )
                if not options.keep:
                    lab_containers.remove_run(client, run_id)
                    launchers.unshare.stop_all()
            finished = True
        finally:
            # A finished run has removed each scenario's containers already, or keeps them.
            if not finished:
                with lab_containers.signals_deferred():
                    launchers.unshare.stop_all()
                    lab_containers.remove_run(client, run_id)
    return Report(
        run_id=run_id,
        started_at=started.isoformat(timespec="seconds"),
        duration_seconds=round(time.monotonic() - clock, 3),
        lang=options.lang,
        image=options.image,
        runtime=Runtime(lab.__version__, platform.python_version(), docker.__version__),
        fingerprint=facts,
        scenarios=results,
    )


def connect() -> Any:
    # No pinned API version: the SDK negotiates, which Engine 29 (API >= 1.44 only) needs. Both
    # SDKs (5.0, 7) negotiate while constructing the client: that request is the reachability check.
    try:
        client = docker.from_env(version="auto")
    except docker.errors.DockerException as error:
        raise EnvironmentProblem(
            f"cannot reach the Docker engine ({error}). Is dockerd running, DOCKER_HOST right? "
            "Install Docker Engine first (the docker_engine role or Docker's Debian steps)."
        ) from None
    return client


@dataclass(frozen=True)
class Launchers:
    docker: lab_containers.Launcher
    unshare: unshare.UnshareLauncher


def _run_scenario(
    client: Any,
    launchers: Launchers,
    scenario: Scenario,
    facts: Fingerprint,
    host_refs: dict[str, NamespaceRef],
    lang: str,
    baseline: ScenarioResult | None,
) -> ScenarioResult:
    scenario = for_engine(scenario, facts.docker.userns_remap)
    if scenario.launcher == "unshare":
        observed = unshare.start_and_probe(launchers.unshare, scenario)
    else:
        observed = start_and_probe(client, launchers.docker, scenario)
    infos = observed.containers
    namespaces = {"host": host_refs} | {c.role: read_namespaces(c.host_pid) for c in infos}
    probes = {"host": evidence.host_probe()} | observed.probes
    return analyse(
        scenario.name, facts, scenario.specs(), infos, namespaces, probes, lang, baseline
    )
