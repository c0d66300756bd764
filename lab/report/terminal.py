"""What stdout shows: the matrix like the course note's `ls -l`, verdicts, mismatches."""

from __future__ import annotations

import unicodedata

from lab.report.explain import (
    check_label,
    conclusion,
    isolated_key,
    named,
    outcome,
    role_names,
    scenario_title,
    ui,
    without_docker,
)
from lab.report.layout import host_reference_text, relations_cells, row_result
from lab.report.model import Report, ScenarioResult


def render_terminal(report: Report, lang: str, heading: str | None = None) -> str:
    """`heading` replaces the run's first line (the students' check has no run of its own)."""
    fp, docker = report.fingerprint, report.fingerprint.docker
    lines = [
        heading
        or ui(
            "terminal_run",
            lang,
            run_id=report.run_id,
            image=report.image,
            duration=ui("seconds", lang, seconds=report.duration_seconds),
        ),
        ui(
            "terminal_host",
            lang,
            hostname=fp.hostname,
            os=fp.os_release.get("PRETTY_NAME", "?"),
            kernel=fp.kernel,
            engine=docker.server_version,
            cgroup=docker.cgroup_version,
        ),
        host_reference_text(report, lang),
    ]
    for scenario in report.scenarios:
        lines += ["", *_scenario(scenario, lang)]
    text = conclusion(report, lang)
    if text.this_host:
        lines += ["", text.this_host, *[f"  - {p}" for p in text.points[:2]]]
    lines.append("")
    if report.matched:
        lines.append(ui("all_matched", lang))
    else:
        lines.append(
            ui("mismatches", lang, count=len(report.mismatches), items=", ".join(report.mismatches))
        )
    return "\n".join(lines)


def _scenario(scenario: ScenarioResult, lang: str) -> list[str]:
    names = role_names(scenario, lang)
    args = scenario.docker_args
    who = "  ".join(
        f"{names[c.role]}={c.name} (PID {' '.join([str(c.host_pid), *args[c.role]])})"
        for c in scenario.containers
    )
    header = [
        ui("type", lang),
        ui("host", lang),
        names["container1"],
        names["container2"],
        ui(isolated_key(scenario), lang),
        ui("shares_host", lang),
        ui("result", lang),
    ]
    rows = []
    for row in scenario.namespaces:
        isolated, host = relations_cells(row.observed, lang)
        links = [
            row.refs[r].link if row.refs.get(r) else "-"
            for r in ("host", "container1", "container2")
        ]
        rows.append([row.name, *links, isolated, host, row_result(row, lang)])
    lines = [
        f"== {scenario_title(scenario.name, lang)} ==",
        f"   {who}",
        *columns([header, *rows]),
    ]
    if scenario.evidence:  # none where nothing ran inside (the students' check)
        passed = sum(e.passed for e in scenario.evidence)
        lines.append(f"{ui('evidence', lang)}: {passed}/{len(scenario.evidence)} {ui('ok', lang)}")
    # Processes started without Docker: the sentence that ties them back to Docker's result.
    lines += without_docker(scenario, lang)[1:]
    for check in scenario.evidence:
        if not check.passed:
            lines.append(
                f"  {ui('mismatch', lang)}: {named(check_label(check, lang), names)}: "
                f"{ui('expected', lang)} {outcome(check.expected, lang)}, "
                f"{ui('observed', lang)} {outcome(check.observed, lang)}"
            )
    for row in scenario.namespaces:
        if row.match is False and row.expected:
            isolated, host = relations_cells(row.expected.relations, lang)
            lines.append(
                f"  {ui('mismatch', lang)}: {row.name}: {ui('expected', lang)} {isolated}, {host}"
            )
    return lines


def display_width(text: str) -> int:
    # Japanese headers take two terminal columns per character.
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def columns(rows: list[list[str]]) -> list[str]:
    widths = [max(display_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(
            cell + " " * (widths[i] - display_width(cell)) for i, cell in enumerate(row)
        ).rstrip()
        for row in rows
    ]
