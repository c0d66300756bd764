"""`-e key=value` for `nslab provision`: parsed, and checked against what the roles declare.

A variable is known if a role under <project>/roles declares it, in `defaults/main.yml` or in
`meta/argument_specs.yml`; if a play of the playbook being run (or of a playbook it imports)
declares it under `vars:` (e.g. reset.yml's nslab_reset_remove_docker); or if it is one of
Ansible's own connection and privilege variables (`ansible_*`: ansible_user,
ansible_become_password, ...), which go to Ansible unchecked.
Anything else is almost always a typo that Ansible would silently ignore, so it is refused.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from lab.errors import LabError

PASSED_THROUGH_PREFIXES = ("ansible_",)


class ExtravarsError(LabError):
    pass


def parse_extravars(assignments: Iterable[str]) -> dict[str, Any]:
    """`key=value` strings -> variables; values are read as YAML, like `-e '{"k": v}'` would."""
    variables: dict[str, Any] = {}
    for assignment in assignments:
        name, sep, text = assignment.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise ExtravarsError(f"-e {assignment!r} is not key=value; write -e NAME=VALUE")
        try:
            variables[name] = yaml.safe_load(text) if text else ""
        except yaml.YAMLError:
            variables[name] = text
    return variables


def declared_variables(roles_dir: Path) -> set[str]:
    """Every variable the roles under `roles_dir` declare."""
    names: set[str] = set()
    for defaults in roles_dir.glob("*/defaults/main.y*ml"):
        names.update(_load_mapping(defaults))
    for spec_file in roles_dir.glob("*/meta/argument_specs.y*ml"):
        entry_points = _load_mapping(spec_file).get("argument_specs") or {}
        for entry_point in entry_points.values():
            names.update((entry_point or {}).get("options") or {})
    return names


def play_variables(playbook: Path) -> set[str]:
    """Names under `vars:` of the playbook's plays, following import_playbook."""
    names: set[str] = set()
    try:
        plays = yaml.safe_load(playbook.read_text(encoding="utf-8")) or []
    except (OSError, yaml.YAMLError) as error:
        raise ExtravarsError(f"cannot read playbook {playbook}: {error}") from error
    for play in plays if isinstance(plays, list) else []:
        if not isinstance(play, dict):
            continue
        if isinstance(play.get("vars"), dict):
            names.update(play["vars"])
        imported = play.get("ansible.builtin.import_playbook") or play.get("import_playbook")
        if isinstance(imported, str) and "{{" not in imported:
            names.update(play_variables(playbook.parent / imported))
    return names


def check_known(variables: Iterable[str], roles_dir: Path, playbook: Path) -> None:
    known = declared_variables(roles_dir) | play_variables(playbook)
    for name in variables:
        if name in known or name.startswith(PASSED_THROUGH_PREFIXES):
            continue
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise ExtravarsError(
            f"unknown variable {name!r} in -e; {hint}the roles in {roles_dir} and "
            f"{playbook.name} declare {len(known)} (see each role's defaults/main.yml)"
        )


def _load_mapping(path: Path) -> dict[str, Any]:
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ExtravarsError(f"cannot read {path}: {error}") from error
    return loaded if isinstance(loaded, dict) else {}
