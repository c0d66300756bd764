"""What a playbook declares, read without running it: its plays, following import_playbook."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from lab.errors import LabError

# Patterns that need Ansible's matcher (wildcards, regexes, ranges) or a template.
_NOT_A_NAME = re.compile(r"[*?\[\]~{}]")


def plays(playbook: Path) -> Iterator[dict[str, Any]]:
    """Every play of `playbook` and of the playbooks it imports (literal paths only)."""
    try:
        loaded = yaml.safe_load(playbook.read_text(encoding="utf-8")) or []
    except (OSError, yaml.YAMLError) as error:
        raise LabError(f"cannot read playbook {playbook}: {error}") from error
    for play in loaded if isinstance(loaded, list) else []:
        if not isinstance(play, dict):
            continue
        imported = play.get("ansible.builtin.import_playbook") or play.get("import_playbook")
        if isinstance(imported, str):
            if "{{" not in imported:
                yield from plays(playbook.parent / imported)
            continue
        yield play


def target_names(playbook: Path) -> set[str] | None:
    """The groups/hosts the plays run on (localhost aside); None if any play's target is only
    known to Ansible (all, a wildcard, a template)."""
    names: set[str] = set()
    for play in plays(playbook):
        hosts = play.get("hosts")
        items = hosts if isinstance(hosts, list) else re.split(r"[,:]", str(hosts or ""))
        for item in (str(i).strip() for i in items):
            if not item or item.startswith(("!", "&")) or item in ("localhost", "127.0.0.1"):
                continue
            if item == "all" or _NOT_A_NAME.search(item):
                return None
            names.add(item)
    return names
