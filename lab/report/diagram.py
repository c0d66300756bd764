"""The picture next to the namespace table: the host, its two containers, and per namespace type
which of them share one namespace (a bar across them) and which have their own (a box each).

Drawn from what was observed, as inline SVG: the page stays one file that works offline.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from lab.report.explain import ui
from lab.report.model import ROLES, ScenarioResult


@dataclass(frozen=True)
class SharingRow:
    """One namespace type: per role (host, container1, container2), whose namespace it is in."""

    name: str
    owners: tuple[str, str, str] | None  # e.g. ("host", "container1", "host"); None: not observed
    inodes: tuple[int | None, int | None, int | None]
    mismatch: bool


def sharing_rows(scenario: ScenarioResult) -> list[SharingRow]:
    """Base types only: pid_for_children and time_for_children repeat pid and time."""
    rows = []
    for row in scenario.namespaces:
        if row.name.endswith("_for_children"):
            continue
        host, first, second = (row.refs.get(role) for role in ROLES)
        inodes = (
            host.inode if host else None,
            first.inode if first else None,
            second.inode if second else None,
        )
        owners = None
        if row.observed is not None:
            seen = row.observed
            first_owner = "host" if seen.container1_shares_host else "container1"
            if seen.container2_shares_host:
                second_owner = "host"
            else:
                second_owner = "container2" if seen.isolated else first_owner
            owners = ("host", first_owner, second_owner)
        rows.append(SharingRow(row.name, owners, inodes, row.match is False))
    return rows


# Geometry in SVG user units; the viewBox scales it to the page width.
_LABEL_W, _COL_W, _ROW_H, _TOP = 92, 148, 30, 58
_WIDTH = _LABEL_W + 3 * _COL_W + 14


def bars(owners: tuple[str, str, str]) -> list[tuple[int, int, str]]:
    """Neighbouring columns in one namespace become one bar: (first column, last column, kind).

    kind: "shared" (the host's namespace, used by a container), "host" (the host's, used by no
    container), "joined" (container1's, used by container2 too) or "own" (a container's alone).
    """
    runs: list[tuple[int, int, str]] = []
    for column, owner in enumerate(owners):
        if runs and owners[runs[-1][1]] == owner:
            runs[-1] = (runs[-1][0], column, owner)
        else:
            runs.append((column, column, owner))
    used_by_container = owners.count("host") > 1
    kinds = {"host": "shared" if used_by_container else "host", "container2": "own"}
    return [
        (first, last, kinds.get(owner, "joined" if last > first else "own"))
        for first, last, owner in runs
    ]


def render_svg(
    rows: list[SharingRow], lang: str, roles: tuple[str, str] = ("container1", "container2")
) -> str:
    height = _TOP + len(rows) * _ROW_H + 12
    box_top, box_bottom = 26, height - 4
    parts = [
        f'<svg class="sharing" viewBox="0 0 {_WIDTH} {height}" '
        f'role="img" aria-label="{escape(ui("diagram_title", lang))}">',
        f"<title>{escape(ui('diagram_title', lang))}</title>",
        f'<rect class="host-box" x="{_LABEL_W - 6}" y="{box_top - 22}" '
        f'width="{3 * _COL_W + 16}" height="{box_bottom - box_top + 22}" rx="10"/>',
        f'<text class="role" x="{_LABEL_W + _COL_W / 2}" y="{box_top - 4}">'
        f"{escape(ui('diagram_host', lang))}</text>",
    ]
    for column, role in enumerate(roles, start=1):
        x = _LABEL_W + column * _COL_W
        parts.append(
            f'<rect class="container-box" x="{x + 2}" y="{box_top + 6}" width="{_COL_W - 4}" '
            f'height="{box_bottom - box_top - 12}" rx="8"/>'
            f'<text class="role" x="{x + _COL_W / 2}" y="{box_top + 22}">{role}</text>'
        )
    for index, row in enumerate(rows):
        parts.append(_row(row, _TOP + index * _ROW_H, lang))
    parts.append("</svg>")
    return "\n".join(parts)


def _row(row: SharingRow, y: int, lang: str) -> str:
    attributes = f'class="ns-row{" mismatch" if row.mismatch else ""}" data-ns="{escape(row.name)}"'
    label = escape(row.name) + (" \u26a0" if row.mismatch else "")
    parts = [
        f"<g {attributes}>",
        f'<text class="ns-name" x="{_LABEL_W - 12}" y="{y + 15}">{label}</text>',
    ]
    if row.owners is None:
        parts.append(
            f'<text class="missing" x="{_LABEL_W + 1.5 * _COL_W}" y="{y + 15}">'
            f"{escape(ui('diagram_missing', lang))}</text>"
        )
    else:
        for first, last, kind in bars(row.owners):
            x = _LABEL_W + first * _COL_W + 8
            width = (last - first + 1) * _COL_W - 16
            inode = row.inodes[first]
            parts.append(
                f'<rect class="ns-cell {kind}" data-roles="{" ".join(ROLES[first : last + 1])}" '
                f'x="{x}" y="{y}" width="{width}" height="{_ROW_H - 8}" rx="5"/>'
                f'<text class="inode" x="{x + width / 2}" y="{y + 15}">'
                f"{inode if inode is not None else '?'}</text>"
            )
    parts.append("</g>")
    return "".join(parts)
