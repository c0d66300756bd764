"""Real report.json documents for the summary tests, made with the report's own model."""

from __future__ import annotations

import json
from pathlib import Path

from lab.report.model import (
    DockerFacts,
    Expectation,
    Fingerprint,
    HostReference,
    NamespaceRow,
    Reason,
    Relations,
    Report,
    Runtime,
    ScenarioResult,
)

ISOLATED = Relations(isolated=True, container1_shares_host=False, container2_shares_host=False)
SHARED = Relations(isolated=False, container1_shares_host=True, container2_shares_host=True)


# The baseline on a cgroup v1 host, as far as the summary tests need it.
CGROUP_V1 = {"net": ISOLATED, "cgroup": SHARED, "user": SHARED}


def make_report(
    hostname: str,
    docker_version: str,
    mismatched: tuple[str, ...] = (),
    *,
    types: dict[str, Relations] = CGROUP_V1,
    scenario: str = "baseline",
) -> Report:
    """One scenario with these expectations; types named in `mismatched` observe the opposite."""
    rows = []
    for name, expected in types.items():
        opposite = SHARED if expected is ISOLATED else ISOLATED
        observed = opposite if name in mismatched else expected
        rows.append(
            NamespaceRow(
                name=name,
                refs={},
                observed=observed,
                expected=Expectation(
                    memberships={},
                    relations=expected,
                    reasons=[Reason(code="test", text="made up for the summary tests")],
                ),
                match=observed == expected,
            )
        )
    return Report(
        run_id=f"run-{hostname}",
        started_at="2025-01-01T00:00:00+00:00",
        duration_seconds=1.5,
        lang="en",
        image="debian:12",
        runtime=Runtime(lab_version="0.1.0", python="3.11.2", docker_sdk="5.0.3"),
        fingerprint=Fingerprint(
            hostname=hostname,
            kernel="6.1.0",
            os_release={"ID": "debian", "VERSION_ID": "12"},
            boot_id="b",
            host_namespace_types=sorted(types),
            host_reference=HostReference(pid=1, source="pid1"),
            docker=DockerFacts(
                server_version=docker_version,
                api_version="1.41",
                min_api_version="1.12",
                cgroup_version="1",
                cgroup_driver="cgroupfs",
                security_options=[],
                userns_remap=False,
                rootless=False,
                features={},
                features_source=None,
            ),
        ),
        scenarios=[ScenarioResult(scenario, {}, [], rows, [])],
    )


def write_host(
    reports_dir: Path,
    host: str,
    *,
    report: Report | None = None,
    status: dict[str, object] | None = None,
) -> Path:
    host_dir = reports_dir / host
    host_dir.mkdir(parents=True, exist_ok=True)
    if report is not None:
        (host_dir / "report.json").write_text(json.dumps(report.to_dict()))
    if status is not None:
        (host_dir / "status.json").write_text(json.dumps({"host": host, **status}))
    return host_dir
