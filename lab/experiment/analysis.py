"""Pure: observations of one scenario + the environment -> the scenario's part of the report."""

from __future__ import annotations

from dataclasses import replace

from lab.experiment import evidence
from lab.experiment.expectations import expect
from lab.experiment.scenarios import ContainerSpec, ProcessSpec, UnshareSpec, start_args
from lab.report.explain import reason_text
from lab.report.model import (
    ContainerInfo,
    DockerComparison,
    Expectation,
    Fingerprint,
    NamespaceRef,
    NamespaceRow,
    Relations,
    ScenarioResult,
)

ROLES = ("host", "container1", "container2")


def observed_relations(refs: dict[str, NamespaceRef | None]) -> Relations | None:
    host, first, second = (refs.get(role) for role in ROLES)
    if host is None or first is None or second is None:
        return None
    return Relations(
        isolated=first.identity != second.identity,
        container1_shares_host=first.identity == host.identity,
        container2_shares_host=second.identity == host.identity,
    )


def namespace_rows(
    fingerprint: Fingerprint,
    specs: dict[str, ProcessSpec],
    namespaces: dict[str, dict[str, NamespaceRef]],
    containers: list[ContainerInfo],
    lang: str,
) -> list[NamespaceRow]:
    """One row per namespace entry any of host/container1/container2 exposes."""
    reported = {c.role: c.modes.get("cgroupns", "") for c in containers}
    names = sorted({name for refs in namespaces.values() for name in refs})
    rows = []
    for name in names:
        refs = {role: namespaces[role].get(name) for role in ROLES}
        observed = observed_relations(refs)
        expected = _with_text(expect(name, fingerprint, specs, reported), lang)
        match = None if observed is None or expected is None else observed == expected.relations
        rows.append(
            NamespaceRow(name=name, refs=refs, observed=observed, expected=expected, match=match)
        )
    return rows


def _with_text(expectation: Expectation | None, lang: str) -> Expectation | None:
    if expectation is None:
        return None
    reasons = [replace(r, text=reason_text(r, lang)) for r in expectation.reasons]
    return replace(expectation, reasons=reasons)


def analyse(
    name: str,
    fingerprint: Fingerprint,
    specs: dict[str, ProcessSpec],
    containers: list[ContainerInfo],
    namespaces: dict[str, dict[str, NamespaceRef]],
    probes: dict[str, dict[str, str]],
    lang: str,
    baseline: ScenarioResult | None = None,
) -> ScenarioResult:
    """`baseline`: this run's course-note scenario, which processes started without Docker are
    compared with."""
    rows = namespace_rows(fingerprint, specs, namespaces, containers, lang)
    by_type = {row.name: row.expected for row in rows if row.expected and "_for_" not in row.name}
    unshared = any(isinstance(spec, UnshareSpec) for spec in specs.values())
    if not probes:
        checks = []
    elif unshared:
        checks = evidence.unshare_checks(probes, by_type)
    else:
        checks = evidence.checks(probes, by_type, {c.role: c.id for c in containers})
    return ScenarioResult(
        name=name,
        docker_args={role: start_args(spec) for role, spec in specs.items()},
        containers=containers,
        namespaces=rows,
        evidence=checks,
        launcher="unshare" if unshared else "docker",
        docker_comparison=docker_comparison(fingerprint, baseline) if unshared else None,
    )


def docker_comparison(
    fingerprint: Fingerprint, baseline: ScenarioResult | None
) -> DockerComparison:
    """What Docker's containers got here: seen in this run's baseline, else predicted from the
    same engine and kernel facts the baseline's expectations come from."""
    if baseline is not None:
        split = {
            row.name: row.observed.isolated
            for row in baseline.namespaces
            if row.observed is not None and "_for_" not in row.name
        }
        source = "observed"
    else:
        defaults = {role: ContainerSpec() for role in ROLES[1:]}
        predictions = {
            name: expect(name, fingerprint, defaults)
            for name in fingerprint.host_namespace_types
            if "_for_" not in name
        }
        split = {name: e.relations.isolated for name, e in predictions.items() if e is not None}
        source = "predicted"
    return DockerComparison(
        source=source,
        engine=fingerprint.docker.server_version,
        isolated=sorted(name for name, isolated in split.items() if isolated),
        shared=sorted(name for name, isolated in split.items() if not isolated),
    )
