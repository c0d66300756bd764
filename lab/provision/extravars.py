"""`-e` for `nslab provision`, as Ansible takes it, checked against what the roles declare.

Each `-e` is one source, in order (a later one wins): `key=value` pairs (values read as YAML,
so `-e users=[a,b]` is a list), inline JSON/YAML (`-e '{"k": [1, 2]}'`), or `@file` (YAML or
JSON, whole-file Ansible Vault or `!vault` values, decrypted with the run's vault password).
Files go to ansible-playbook as they are; what this module reads is for checking names, for
the run record (redacted) and for knowing which values are secret.

A variable is known if a role under <project>/roles declares it, in `defaults/main.yml` or in
`meta/argument_specs.yml`; if a play of the playbook being run (or of a playbook it imports)
declares it under `vars:` (e.g. reset.yml's nslab_reset_remove_docker); or if it is one of
Ansible's own connection and privilege variables (`ansible_*`: ansible_user,
ansible_become_password, ...), which go to Ansible unchecked.
Anything else is almost always a typo that Ansible would silently ignore, so it is refused.
"""

from __future__ import annotations

import difflib
import shlex
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from lab.errors import LabError
from lab.provision.playbook import plays

PASSED_THROUGH_PREFIXES = ("ansible_",)


class ExtravarsError(LabError):
    pass


@dataclass(frozen=True)
class ExtraVarsSource:
    """One `-e`: its variables as plain Python values; `file` for `@file` sources."""

    variables: dict[str, Any] = field(repr=False)
    file: Path | None = None
    # Read through Ansible Vault: every string in it is a secret.
    from_vault: bool = False


def merged(sources: Iterable[ExtraVarsSource]) -> dict[str, Any]:
    variables: dict[str, Any] = {}
    for source in sources:
        variables.update(source.variables)
    return variables


def load_extravars(
    options: Sequence[str], vault_secrets: Sequence[Any] = ()
) -> list[ExtraVarsSource]:
    """Every `-e` read, in order; an ExtravarsError names the first one that cannot be used."""
    sources = []
    for option in options:
        if option.startswith("@"):
            sources.append(_load_file(Path(option[1:]).expanduser(), vault_secrets))
        elif option.startswith(("{", "[")):
            sources.append(ExtraVarsSource(_load_inline_document(option)))
        elif option.startswith(("/", ".")):
            raise ExtravarsError(f"-e {option!r}: a file of variables is written -e @{option}")
        else:
            sources.append(ExtraVarsSource(parse_extravars([option])))
    return sources


def parse_extravars(assignments: Iterable[str]) -> dict[str, Any]:
    """`key=value` strings -> variables; values are read as YAML, like `-e '{"k": v}'` would.

    One -e may hold several pairs separated by spaces, as Ansible allows (`-e "a=1 b=2"`);
    when the words after the first are not all pairs, the rest is the first one's value.
    """
    variables: dict[str, Any] = {}
    for assignment in assignments:
        for pair in _pairs(assignment):
            name, sep, text = pair.partition("=")
            name = name.strip()
            if not sep or not name.isidentifier():
                raise ExtravarsError(
                    f"-e {assignment!r} is not key=value; write -e NAME=VALUE, "
                    "-e '{\"NAME\": VALUE}' or -e @FILE"
                )
            try:
                variables[name] = yaml.safe_load(text) if text else ""
            except yaml.YAMLError:
                variables[name] = text
    return variables


def _pairs(assignment: str) -> list[str]:
    try:
        words = shlex.split(assignment)
    except ValueError:
        return [assignment]
    names = [word.partition("=")[0] for word in words]
    if len(words) > 1 and all(
        "=" in w and n.isidentifier() for w, n in zip(words, names, strict=True)
    ):
        return words
    return [assignment]


def _load_inline_document(text: str) -> dict[str, Any]:
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ExtravarsError(f"-e {text!r} is not valid JSON/YAML: {_first_line(error)}") from error
    if not isinstance(loaded, dict):
        raise ExtravarsError(f"-e {text!r} must be a mapping of variables, e.g. -e '{{\"k\": 1}}'")
    return loaded


def _load_file(path: Path, vault_secrets: Sequence[Any]) -> ExtraVarsSource:
    """Read a vars file the way ansible-playbook will, through Ansible's own loader."""
    from ansible.errors import AnsibleError
    from ansible.parsing.dataloader import DataLoader
    from ansible.parsing.vault import is_encrypted_file

    try:
        with path.open("rb") as handle:
            encrypted = is_encrypted_file(handle)
    except OSError as error:
        raise ExtravarsError(
            f"-e @{path}: cannot read it ({error.strerror}); check the path and its permissions"
        ) from error
    if encrypted and not vault_secrets:
        raise ExtravarsError(
            f"-e @{path} is encrypted with Ansible Vault; give its password with "
            "--ask-vault-pass or --vault-password-file FILE"
        )
    loader = DataLoader()
    loader.set_vault_secrets(list(vault_secrets))
    try:
        loaded, vaulted_values = _plain(loader.load_from_file(str(path.resolve())))
    except AnsibleError as error:
        if "Decryption failed" in str(error) or "vault" in type(error).__name__.lower():
            raise ExtravarsError(
                f"-e @{path}: the vault password given does not decrypt it; check "
                "--vault-password-file or retype it with --ask-vault-pass"
            ) from error
        raise ExtravarsError(f"-e @{path}: {_first_line(error)}") from error
    if loaded is None:
        loaded = {}
    if not isinstance(loaded, dict):
        raise ExtravarsError(f"-e @{path} must hold a mapping of variables (NAME: VALUE lines)")
    return ExtraVarsSource(loaded, path.resolve(), from_vault=encrypted or vaulted_values)


def _plain(value: Any) -> tuple[Any, bool]:
    """Ansible's tagged values as plain Python; `!vault` strings decrypted (second item: any)."""
    from ansible.parsing.vault import EncryptedString

    if isinstance(value, EncryptedString):
        return str(value), True
    if isinstance(value, Mapping):
        items = {str(k): _plain(v) for k, v in value.items()}
        return {k: v for k, (v, _) in items.items()}, any(f for _, f in items.values())
    if isinstance(value, list | tuple):
        items_list = [_plain(v) for v in value]
        return [v for v, _ in items_list], any(f for _, f in items_list)
    for kind in (bool, int, float, str):
        if isinstance(value, kind):
            return kind(value), False
    return value, False


def _first_line(error: Exception) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


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
    return {
        name
        for play in plays(playbook)
        if isinstance(play.get("vars"), dict)
        for name in play["vars"]
    }


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
