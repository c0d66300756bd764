"""The comparison report: compare.json (the source), compare.md, compare.html with a bar chart,
and the lines printed on the terminal. Pages reuse the experiment report's serialisers."""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass
from html import escape
from pathlib import Path

from lab.compare.messages import text
from lab.compare.model import Comparison
from lab.report import html, markdown
from lab.report.files import write_whole
from lab.report.layout import Document, Section, Table
from lab.report.terminal import columns

FORMATS = ("json", "md", "html")
MIB = 1024 * 1024
TIMES = "\u00d7"  # the multiplication sign: "12.3x" as "12.3 times"


@dataclass(frozen=True)
class Row:
    """One measure: one container, all of them, one VM."""

    key: str  # r.time, r.memory, r.disk
    one_container: float
    all_containers: float
    vm: float

    @property
    def ratio(self) -> float:
        return self.vm / self.one_container if self.one_container else float("inf")


def rows(comparison: Comparison) -> list[Row]:
    containers = comparison.containers
    one_memory = statistics.median(c.memory_bytes for c in containers)
    one_layer = statistics.median(c.writable_layer_bytes for c in containers)
    return [
        Row(
            "r.time",
            comparison.median_seconds_to_command,
            sum(c.seconds_to_command for c in containers),
            comparison.vm.seconds_to_ssh,
        ),
        Row(
            "r.memory",
            one_memory / MIB,
            comparison.containers_memory_bytes / MIB,
            comparison.vm.qemu_rss_bytes / MIB,
        ),
        Row(
            "r.disk",
            (comparison.image_bytes + one_layer) / MIB,
            comparison.containers_disk_bytes / MIB,
            comparison.vm_disk_bytes / MIB,
        ),
    ]


def number(value: float) -> str:
    """Two significant decimals for small figures, one for the rest: 0.42, 12.3, 1234.5."""
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def document(comparison: Comparison, lang: str) -> Document:
    count = len(comparison.containers)
    measured = rows(comparison)
    vm = comparison.vm
    accel_note = text(f"accel_{vm.accel}", lang, reason=vm.accel_reason)
    machine = comparison.machine
    facts = [
        ("m.hostname", machine.hostname),
        ("m.kernel", machine.kernel),
        ("m.cpus", str(machine.cpus)),
        ("m.load", f"{_load(machine.load_before)} / {_load(machine.load_after)}"),
        ("m.docker", machine.docker_version),
        ("m.accel", f"{vm.accel} ({vm.accel_reason})"),
        ("m.vm", text("m.vm_value", lang, memory=vm.memory_mib, cpus=vm.cpus)),
        ("m.run", f"{comparison.run_id} {comparison.started_at}"),
    ]
    header, *cells = side_by_side(comparison, lang)
    table = Table(headers=header, rows=cells, nowrap=frozenset({1, 2, 3, 4}))
    return Document(
        title=text("title", lang),
        lang=lang,
        sections=[
            Section(
                title=text("machine", lang),
                level=2,
                paragraphs=[
                    text(
                        "intro",
                        lang,
                        count=count,
                        image=comparison.image,
                        release=comparison.release,
                    ),
                    accel_note,
                ],
                table=Table(
                    headers=[text("item", lang), text("value", lang)],
                    rows=[[text(key, lang), value] for key, value in facts],
                    nowrap=frozenset({0}),
                ),
            ),
            Section(
                title=text("side_by_side", lang),
                level=2,
                paragraphs=[text("chart_text", lang)],
                table=table,
                svg=chart_svg(measured, count, lang),
            ),
            Section(
                title=text("findings", lang),
                level=2,
                paragraphs=[*findings(comparison, measured, lang), accel_note],
            ),
            Section(
                title=text("method", lang),
                level=2,
                bullets=[text(f"how.{k}", lang) for k in ("time", "memory", "disk", "cleanup")],
            ),
        ],
    )


def side_by_side(comparison: Comparison, lang: str) -> list[list[str]]:
    """The header, then one row per measure: 1 container, all of them, 1 VM, VM ÷ container."""
    header = [
        text("measure", lang),
        text("one_container", lang),
        text("all_containers", lang, count=len(comparison.containers)),
        text("one_vm", lang),
        text("vm_vs_container", lang),
    ]
    return [header] + [
        [
            text(row.key, lang),
            number(row.one_container),
            number(row.all_containers),
            number(row.vm),
            f"{number(row.ratio)}{TIMES}",
        ]
        for row in rows(comparison)
    ]


def _load(values: tuple[float, float, float]) -> str:
    return " ".join(f"{v:.2f}" for v in values)


def findings(comparison: Comparison, measured: list[Row], lang: str) -> list[str]:
    time_row, memory_row, disk_row = measured
    layer = statistics.median(c.writable_layer_bytes for c in comparison.containers) / MIB
    sentences = [
        text(
            "f.time", lang, container=number(time_row.one_container), vm=number(time_row.vm),
            ratio=number(time_row.ratio), count=len(comparison.containers),
        ),
        text(
            "f.memory", lang, container=number(memory_row.one_container),
            vm=number(memory_row.vm), ratio=number(memory_row.ratio),
        ),
        text(
            "f.disk", lang, image=number(comparison.image_bytes / MIB), layer=number(layer),
            base=number(comparison.vm.base_disk_bytes / MIB),
            overlay=number(comparison.vm.overlay_bytes / MIB), ratio=number(disk_row.ratio),
        ),
    ]  # fmt: skip
    holds = all(row.ratio > 1 for row in measured)
    return [*sentences, text("f.holds" if holds else "f.not_holds", lang)]


_CHART_CSS = (
    "svg.chart { width: 100%; max-width: 46rem; height: auto; display: block; }"
    " svg.chart text { font-size: 12px; fill: #1d1d1f; }"
    " svg.chart .bar.container { fill: #d6e9ff; stroke: #2b6cb0; }"
    " svg.chart .bar.vm { fill: #ffe2b3; stroke: #b7791f; }"
)
# Geometry in SVG user units; the viewBox scales it to the page width.
_LABEL_W, _BAR_W, _VALUE_W, _BAR_H, _GAP, _HEAD = 200, 300, 70, 18, 4, 22


def chart_svg(measured: list[Row], count: int, lang: str) -> str:
    """Per measure, three horizontal bars on the measure's own scale: 1 container, N, 1 VM."""
    bars = [
        ("container", text("one_container", lang), "one_container"),
        ("container", text("all_containers", lang, count=count), "all_containers"),
        ("vm", text("one_vm", lang), "vm"),
    ]
    group_h = _HEAD + len(bars) * (_BAR_H + _GAP) + 10
    width, height = _LABEL_W + _BAR_W + _VALUE_W, len(measured) * group_h
    title = escape(text("chart_title", lang))
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{title}">',
        f"<title>{title}</title>",
        f"<style>{_CHART_CSS}</style>",
    ]
    for index, row in enumerate(measured):
        top = index * group_h
        largest = max(row.one_container, row.all_containers, row.vm) or 1.0
        parts.append(
            f'<g class="measure" data-measure="{row.key}">'
            f'<text class="measure-name" x="0" y="{top + 15}" font-weight="600">'
            f"{escape(text(row.key, lang))}</text>"
        )
        for number_in_group, (kind, label, attribute) in enumerate(bars):
            value = getattr(row, attribute)
            y = top + _HEAD + number_in_group * (_BAR_H + _GAP)
            length = max(value / largest * _BAR_W, 1.0)
            parts.append(
                f'<text x="{_LABEL_W - 8}" y="{y + 13}" text-anchor="end">{escape(label)}</text>'
                f'<rect class="bar {kind}" data-value="{value:.3f}" x="{_LABEL_W}" y="{y}" '
                f'width="{length:.1f}" height="{_BAR_H}" rx="3"/>'
                f'<text class="value" x="{_LABEL_W + length + 6:.1f}" y="{y + 13}">'
                f"{number(value)}</text>"
            )
        parts.append("</g>")
    parts.append("</svg>")
    return "\n".join(parts)


def terminal(comparison: Comparison, lang: str) -> str:
    machine, vm = comparison.machine, comparison.vm
    header = text(
        "terminal", lang, run_id=comparison.run_id, hostname=machine.hostname,
        cpus=machine.cpus, load=_load(machine.load_before), accel=vm.accel,
    )  # fmt: skip
    lines = columns(side_by_side(comparison, lang))
    notes = findings(comparison, rows(comparison), lang)[-1:]
    if vm.accel == "tcg":
        notes.append(text("accel_tcg", lang, reason=vm.accel_reason))
    return "\n".join([header, *lines, "", *notes])


def to_json(comparison: Comparison) -> str:
    return json.dumps(comparison.to_dict(), indent=2, ensure_ascii=False) + "\n"


def write(comparison: Comparison, output_dir: Path, formats: list[str], lang: str) -> list[Path]:
    output_dir.mkdir(parents=True, exist_ok=True)
    renderers = {
        "json": lambda: to_json(comparison),
        "md": lambda: markdown.serialise(document(comparison, lang)),
        "html": lambda: html.serialise(document(comparison, lang)),
    }
    written = []
    for fmt in formats:
        path = output_dir / f"compare.{fmt}"
        write_whole(path, renderers[fmt]())
        written.append(path)
    return written
