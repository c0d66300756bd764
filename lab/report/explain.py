"""Turn codes in a report into sentences of one language (shared by every renderer)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from lab.report.messages import (
    CHECKS,
    DETAIL_KEYS,
    LANGUAGES,
    NOTE_CORRECTION,
    OUTCOMES,
    REASONS,
    SCENARIOS,
    THIS_HOST,
    UI,
)
from lab.report.model import EvidenceCheck, Reason, Report, ScenarioResult


def default_lang() -> str:
    """Japanese when the reader's locale is Japanese (the course note is), else English."""
    locale = (
        os.environ.get("LC_ALL") or os.environ.get("LC_MESSAGES") or os.environ.get("LANG") or ""
    )
    return "ja" if locale.startswith("ja") else "en"


def _lang(lang: str) -> str:
    return lang if lang in LANGUAGES else "en"


def ui(key: str, lang: str, **params: object) -> str:
    return UI[_lang(lang)][key].format(**params)


def reason_text(reason: Reason, lang: str) -> str:
    templates = REASONS[_lang(lang)]
    text = templates.get(reason.code, templates["none"]).format_map(_Defaulting(reason.params))
    containers = reason.params.get("containers") or []
    # Name the container only when the two containers have different explanations.
    return f"{containers[0]}: {text}" if len(containers) == 1 else text


class _Defaulting(dict):
    """A missing fact shows as "?" rather than breaking the whole report."""

    def __missing__(self, key: str) -> str:
        return "?"


def check_label(check: EvidenceCheck, lang: str) -> str:
    labels = CHECKS[_lang(lang)]
    parts = check.check.split(".")
    probe, rest = ".".join(parts[:2]), parts[2:]
    if rest and rest[0] in ("container1", "container2"):
        return labels.get(probe, probe).format(role=rest[0])
    label = labels.get(probe, probe)
    return f"{label}: {labels[rest[0]]}" if rest and rest[0] in labels else label


def outcome(word: str, lang: str) -> str:
    return OUTCOMES[_lang(lang)].get(word, word)


def detail_key(key: str, lang: str) -> str:
    """Where a raw value was read: a container's name stays as it is."""
    return DETAIL_KEYS[_lang(lang)].get(key, key)


def scenario_title(name: str, lang: str) -> str:
    """What the scenario changes, then the name `--scenario` takes."""
    title = SCENARIOS[_lang(lang)].get(name)
    return f"{title} [{name}]" if title else name


@dataclass(frozen=True)
class Conclusion:
    note_correction: str
    this_host: str | None
    points: list[str]


def conclusion(report: Report, lang: str) -> Conclusion:
    """The course note corrected, then what the baseline (the note's experiment) showed here."""
    lang = _lang(lang)
    baseline = next((s for s in report.scenarios if s.name == "baseline"), None)
    if baseline is None:
        return Conclusion(NOTE_CORRECTION[lang], None, [])
    words = THIS_HOST[lang]
    docker = report.fingerprint.docker
    summary = words["summary"].format(
        hostname=report.fingerprint.hostname,
        engine=docker.server_version,
        cgroup_version=docker.cgroup_version,
        kernel=report.fingerprint.kernel,
    )
    isolated, shared = _split(baseline)
    points = [
        words["isolated"].format(types=", ".join(isolated) or words["none"]),
        words["shared"].format(types=", ".join(shared) or words["none"]),
    ]
    for row in baseline.namespaces:
        if row.name in shared and row.expected is not None:
            points += [f"{row.name}: {reason_text(r, lang)}" for r in row.expected.reasons]
    return Conclusion(NOTE_CORRECTION[lang], summary, points)


def _split(scenario: ScenarioResult) -> tuple[list[str], list[str]]:
    """Observed, and only the base types (pid_for_children repeats pid)."""
    isolated, shared = [], []
    for row in scenario.namespaces:
        if row.observed is None or row.name.endswith("_for_children"):
            continue
        (isolated if row.observed.isolated else shared).append(row.name)
    return isolated, shared


def without_docker(scenario: ScenarioResult, lang: str) -> list[str]:
    """For processes started by unshare: who they are, then the tie back to Docker's result."""
    comparison = scenario.docker_comparison
    if scenario.launcher != "unshare" or comparison is None:
        return []
    unshared, _ = _split(scenario)
    docker = set(comparison.isolated)
    sentences = [
        ui(
            "docker_same",
            lang,
            unshare_types=", ".join(unshared) or THIS_HOST[_lang(lang)]["none"],
            engine=comparison.engine,
            docker_types=", ".join(comparison.isolated) or THIS_HOST[_lang(lang)]["none"],
            source=ui(f"docker_same_{comparison.source}", lang),
        )
    ]
    if only_docker := sorted(docker - set(unshared)):
        sentences.append(ui("docker_only", lang, types=", ".join(only_docker)))
    if only_unshare := sorted(set(unshared) - docker):
        sentences.append(ui("unshare_only", lang, types=", ".join(only_unshare)))
    return [ui("unshare_roles", lang), " ".join(sentences)]


def role_names(scenario: ScenarioResult, lang: str) -> dict[str, str]:
    """How the report names the two roles: containers keep theirs, unshare's are processes."""
    roles = ("container1", "container2")
    if scenario.launcher != "unshare":
        return {role: role for role in roles}
    return {role: ui(f"role.{role}", lang) for role in roles}


def named(text: str, names: dict[str, str]) -> str:
    """`text` with each role identifier replaced by the name the report gives it."""
    for role, name in names.items():
        text = text.replace(role, name)
    return text


def isolated_key(scenario: ScenarioResult) -> str:
    """The message for the matrix's "isolated between ..." column."""
    return "isolated_processes" if scenario.launcher == "unshare" else "isolated"
