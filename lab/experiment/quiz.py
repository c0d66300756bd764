"""`sudo nslab-experiment quiz`: the questions the course note leaves to the student, checked
against what this machine shows.

The key is not fixed: each answer is compared with the experiment's own prediction for the course
note's two containers on this host (check.default_expectations: the engine's version and
options, the kernel, cgroup version, userns-remap), so the same question has another answer on
Engine 29.5+ (time isolated), under userns-remap (user isolated) or with cgroupns set on the
engine. A wrong answer gets the reason the experiment's report gives.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lab.report.explain import reason_text, ui
from lab.report.model import Expectation

QUESTIONS = ("differ", "host", "time-user")
# The choices of "time-user", numbered as shown; each is the reason code it stands for.
CHOICES = (
    "time.engine_old",
    "time.kernel_old",
    "time.feature_off",
    "time.private",
    "user.no_remap",
    "user.remap",
    "user.rootless",
)
_ALIASES = {"mount": "mnt", "network": "net", "なし": "none"}
MAX_ANSWER = 200


@dataclass(frozen=True)
class Marked:
    question: str
    answer: str
    expected: str
    correct: bool
    explanation: list[str]  # empty when correct


def question_text(question: str, lang: str) -> str:
    text = ui(f"quiz_{question.replace('-', '_')}", lang)
    if question == "time-user":
        choices = [f"  {i}. {ui('quiz_choice_' + c, lang)}" for i, c in enumerate(CHOICES, 1)]
        text = "\n".join([text, *choices])
    return text


def expected_answer(question: str, defaults: dict[str, Expectation]) -> str:
    """What this machine shows, in the form an answer takes."""
    if question == "differ":
        return _types(t for t, e in defaults.items() if e.relations.isolated)
    if question == "host":
        return _types(
            t
            for t, e in defaults.items()
            if e.relations.container1_shares_host and e.relations.container2_shares_host
        )
    numbers = [str(CHOICES.index(_code(defaults, kind)) + 1) for kind in ("time", "user")]
    return ",".join(numbers)


def _code(defaults: dict[str, Expectation], kind: str) -> str:
    if kind not in defaults:  # a kernel without time namespaces lists no "time" entry
        return "time.kernel_old"
    return defaults[kind].reasons[0].code


def _types(types) -> str:
    return ",".join(sorted(types)) or "none"


def normalised(question: str, answer: str) -> str:
    # Commas as a Japanese keyboard types them, too.
    words = [w for w in re.split(r"[\s,、，]+", answer.strip().lower()) if w]  # noqa: RUF001
    if question == "time-user":
        return ",".join(sorted(set(words)))
    words = sorted({_ALIASES.get(w, w) for w in words} - {"none"})
    return ",".join(words) or "none"


def mark(question: str, answer: str, defaults: dict[str, Expectation], lang: str) -> Marked:
    answer = answer[:MAX_ANSWER]
    expected = expected_answer(question, defaults)
    correct = normalised(question, answer) == ",".join(sorted(expected.split(",")))
    explanation = [] if correct else explain(question, answer, expected, defaults, lang)
    return Marked(question, answer, expected, correct, explanation)


def explain(
    question: str, answer: str, expected: str, defaults: dict[str, Expectation], lang: str
) -> list[str]:
    """This machine's answer, then the report's reasons for what the student got wrong."""
    lines = [ui("quiz_wrong", lang, expected=expected)]
    if question == "time-user":
        kinds = ["time", "user"]
    else:
        given = set(normalised(question, answer).split(","))
        kinds = sorted(given.symmetric_difference(expected.split(",")) - {"none"})
        unknown = sorted(k for k in kinds if k not in defaults)
        if unknown:
            shown = ", ".join(k.encode("unicode_escape").decode("ascii") for k in unknown)
            lines.append(ui("quiz_unknown_types", lang, words=shown))
    for kind in kinds:
        if kind in defaults:
            lines += [f"  {kind}: {reason_text(r, lang)}" for r in defaults[kind].reasons]
    return lines


def questions_help(lang: str) -> str:
    return "\n\n".join(
        [*(f"[{q}] {question_text(q, lang)}" for q in QUESTIONS), ui("quiz_usage", lang)]
    )
