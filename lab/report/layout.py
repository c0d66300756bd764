"""What the report shows, in which order, as neutral blocks; markdown.py and html.py only serialise.

Keeping the choice of content here means the Markdown and HTML pages cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lab.report.diagram import SharingRow, sharing_rows
from lab.report.explain import (
    check_label,
    conclusion,
    detail_key,
    isolated_key,
    named,
    outcome,
    reason_text,
    role_names,
    scenario_title,
    ui,
    without_docker,
)
from lab.report.model import NamespaceRow, Reason, Relations, Report, ScenarioResult

DETAIL_WIDTH = 90  # long raw values (mount options) are cut in pages; report.json has them whole


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[list[str]]
    flagged: list[bool] = field(default_factory=list)  # per row: a mismatch to highlight
    # Columns of short values: never broken (inode links, verdicts), or only between words.
    nowrap: frozenset[int] = frozenset()
    whole_words: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Section:
    title: str
    level: int
    paragraphs: list[str] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)
    table: Table | None = None
    # Drawn next to the table by the HTML page: who shares which namespace.
    sharing: list[SharingRow] = field(default_factory=list)
    # How the picture names its two columns besides the host (processes started by unshare are
    # not containers).
    roles: tuple[str, str] = ("container1", "container2")
    # An inline SVG picture the HTML page shows before the table (Markdown has the table alone).
    svg: str = ""


@dataclass(frozen=True)
class Document:
    title: str
    lang: str
    sections: list[Section]


def document(report: Report, lang: str) -> Document:
    sections = [_environment(report, lang)]
    for scenario in report.scenarios:
        sections += _scenario(scenario, lang)
    sections.append(_conclusion(report, lang))
    return Document(title=ui("title", lang), lang=lang, sections=sections)


def yes_no(flag: bool, lang: str) -> str:
    return ui("yes" if flag else "no", lang)


def relations_cells(relations: Relations | None, lang: str) -> tuple[str, str]:
    if relations is None:
        return ui("unknown", lang), ui("unknown", lang)
    first = yes_no(relations.container1_shares_host, lang)
    host = f"{first}/{yes_no(relations.container2_shares_host, lang)}"
    return yes_no(relations.isolated, lang), host


def row_result(row: NamespaceRow, lang: str) -> str:
    if row.match is None:
        return ui("unknown", lang)
    return ui("ok" if row.match else "mismatch", lang)


def host_reference_text(report: Report, lang: str) -> str:
    reference = report.fingerprint.host_reference
    return ui(f"host_reference_{reference.source}", lang, pid=reference.pid)


def short(value: str) -> str:
    flat = "; ".join(line.strip() for line in value.splitlines() if line.strip())
    return flat if len(flat) <= DETAIL_WIDTH else flat[: DETAIL_WIDTH - 1] + "…"


def _environment(report: Report, lang: str) -> Section:
    fp, docker = report.fingerprint, report.fingerprint.docker
    duration = ui("seconds", lang, seconds=report.duration_seconds)
    facts = [
        ("hostname", fp.hostname),
        ("os", fp.os_release.get("PRETTY_NAME", "?")),
        ("kernel", fp.kernel),
        ("boot_id", fp.boot_id),
        ("docker", f"{docker.server_version} (API {docker.api_version})"),
        (
            "cgroup",
            ui(
                "env.cgroup_value",
                lang,
                version=docker.cgroup_version,
                driver=docker.cgroup_driver or "?",
            ),
        ),
        ("userns_remap", yes_no(docker.userns_remap, lang)),
        ("rootless", yes_no(docker.rootless, lang)),
        ("security_options", ", ".join(docker.security_options) or "-"),
        ("features", _features(report, lang)),
        ("namespace_types", ", ".join(fp.host_namespace_types)),
        ("image", report.image),
        ("run", f"{report.run_id} {report.started_at} ({duration})"),
        (
            "runtime",
            ui(
                "env.runtime_value",
                lang,
                python=report.runtime.python,
                sdk=report.runtime.docker_sdk,
            ),
        ),
    ]
    return Section(
        title=ui("environment", lang),
        level=2,
        paragraphs=[host_reference_text(report, lang)],
        table=Table(
            headers=[ui("fact", lang), ui("value", lang)],
            rows=[[ui(f"env.{key}", lang), value] for key, value in facts],
            nowrap=frozenset({0}),
        ),
    )


# What the fingerprint stores when dockerd was readable but set no feature flag.
_NO_FEATURES = "none set"


def _features(report: Report, lang: str) -> str:
    docker = report.fingerprint.docker
    flags = ", ".join(f"{k}={str(v).lower()}" for k, v in sorted(docker.features.items()))
    if flags:
        return f"{flags} ({docker.features_source})"
    if docker.features_source in (None, ""):
        return ui("env.features_unknown", lang)
    if docker.features_source == _NO_FEATURES:
        return ui("env.features_none", lang)
    return docker.features_source


def _scenario(scenario: ScenarioResult, lang: str) -> list[Section]:
    names = role_names(scenario, lang)
    flags = {
        role: " ".join(args) or ui("none", lang) for role, args in scenario.docker_args.items()
    }
    containers = Table(
        headers=[
            "",
            ui("name", lang),
            ui("id", lang),
            ui("host_pid", lang),
            ui("pid_inside", lang),
            ui("state", lang),
            ui("unshare_flags" if scenario.launcher == "unshare" else "flags", lang),
        ],
        rows=[
            [
                names[c.role],
                c.name,
                c.id[:12],
                str(c.host_pid),
                str(c.pid_inside),
                c.state,
                flags[c.role],
            ]
            for c in scenario.containers
        ],
    )
    matrix_rows, flagged = [], []
    for row in scenario.namespaces:
        observed = relations_cells(row.observed, lang)
        expected = relations_cells(row.expected.relations if row.expected else None, lang)
        reasons = row.expected.reasons if row.expected else [Reason("none")]
        why = " ".join(reason_text(r, lang) for r in reasons)
        links = [
            row.refs[role].link if row.refs.get(role) else "-"
            for role in ("host", "container1", "container2")
        ]
        matrix_rows.append(
            [
                row.name,
                *links,
                f"{observed[0]} ({expected[0]})",
                f"{observed[1]} ({expected[1]})",
                row_result(row, lang),
                why,
            ]
        )
        flagged.append(row.match is False)
    matrix = Table(
        headers=[
            ui("type", lang),
            ui("host", lang),
            names["container1"],
            names["container2"],
            f"{ui(isolated_key(scenario), lang)} ({ui('expected', lang)})",
            f"{ui('shares_host', lang)} ({ui('expected', lang)})",
            ui("result", lang),
            ui("why", lang),
        ],
        rows=matrix_rows,
        flagged=flagged,
        nowrap=frozenset({0, 1, 2, 3, 6}),
        whole_words=frozenset({4, 5}),
    )
    evidence = Table(
        headers=[
            ui("check", lang),
            ui("expected", lang),
            ui("observed", lang),
            ui("result", lang),
            ui("detail", lang),
        ],
        rows=[
            [
                named(check_label(e, lang), names),
                outcome(e.expected, lang),
                outcome(e.observed, lang),
                ui("ok" if e.passed else "mismatch", lang),
                " | ".join(
                    f"{named(detail_key(k, lang), names)}: {short(v)}" for k, v in e.detail.items()
                ),
            ]
            for e in scenario.evidence
        ],
        flagged=[not e.passed for e in scenario.evidence],
        nowrap=frozenset({3}),
    )
    status = (
        ui("all_matched", lang)
        if not scenario.mismatches
        else ui(
            "mismatches", lang, count=len(scenario.mismatches), items=", ".join(scenario.mismatches)
        )
    )
    return [
        Section(
            title=f"{ui('scenario', lang)}: {scenario_title(scenario.name, lang)}",
            level=2,
            paragraphs=[status, *without_docker(scenario, lang)],
        ),
        Section(title=ui("containers", lang), level=3, table=containers),
        Section(
            title=ui("matrix", lang),
            level=3,
            table=matrix,
            sharing=sharing_rows(scenario),
            roles=(names["container1"], names["container2"]),
        ),
        Section(title=ui("evidence", lang), level=3, table=evidence),
    ]


def _conclusion(report: Report, lang: str) -> Section:
    text = conclusion(report, lang)
    paragraphs = [text.note_correction] + ([text.this_host] if text.this_host else [])
    return Section(
        title=ui("conclusion", lang), level=2, paragraphs=paragraphs, bullets=text.points
    )
