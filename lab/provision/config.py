"""The inputs of one provisioning run, checked before anything runs.

Every path is absolute: ansible-runner reads a relative inventory path that is not under its
private_data_dir as inline INI *content*, and runs ansible-playbook from the project directory.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lab
from lab.errors import LabError
from lab.provision.extravars import check_known, parse_extravars
from lab.provision.inventory import check_ssh_keys, select_hosts

DEFAULT_PLAYBOOK = "lab.yml"
REPORTS_DIR_VARIABLE = "namespace_lab_reports_dir"


class ConfigError(LabError):
    pass


@dataclass(frozen=True)
class ProvisionConfig:
    project_dir: Path
    playbook: Path
    inventory: Path
    # The hosts the run will touch, as Ansible resolved inventory + limit.
    hosts: tuple[str, ...]
    limit: str | None = None
    forks: int | None = None
    extravars: Mapping[str, Any] = field(default_factory=dict)
    check: bool = False

    @property
    def ansible_cfg(self) -> Path:
        return self.project_dir / "ansible.cfg"

    @property
    def runs_dir(self) -> Path:
        return self.project_dir / "runs"

    @property
    def reports_dir(self) -> Path:
        """Where the namespace_lab role fetches reports (build_config always sets it)."""
        return Path(self.extravars[REPORTS_DIR_VARIABLE])


def default_project_dir() -> Path:
    """The checkout `lab` was installed from (editable install): ansible.cfg, playbooks, roles."""
    return Path(lab.__file__).resolve().parent.parent


def build_config(
    *,
    project_dir: Path,
    inventory: Path,
    playbook: str = DEFAULT_PLAYBOOK,
    limit: str | None = None,
    forks: int | None = None,
    extravars: Sequence[str] = (),
    check: bool = False,
) -> ProvisionConfig:
    """Check every input; raise a LabError naming the first bad one and how to fix it."""
    project_dir = project_dir.resolve()
    if not (project_dir / "ansible.cfg").is_file():
        raise ConfigError(
            f"{project_dir} has no ansible.cfg; pass the nslab checkout with --project"
        )
    if forks is not None and forks < 1:
        raise ConfigError(f"--forks {forks}: give at least 1")
    playbook_path = resolve_playbook(project_dir, playbook)
    variables = parse_extravars(extravars)
    check_known(variables, project_dir / "roles", playbook_path)
    # Reports land in this project's reports/ unless -e says otherwise: the role's own default
    # follows the playbook's real path, which a project of symlinks would send elsewhere.
    variables.setdefault(REPORTS_DIR_VARIABLE, str(project_dir / "reports"))
    selected = select_hosts(inventory.resolve(), project_dir / "ansible.cfg", limit)
    check_ssh_keys(selected, os.environ, Path.home())
    return ProvisionConfig(
        project_dir=project_dir,
        playbook=playbook_path,
        inventory=selected.path,
        hosts=selected.hosts,
        limit=limit,
        forks=forks,
        extravars=variables,
        check=check,
    )


def resolve_playbook(project_dir: Path, playbook: str) -> Path:
    """A playbook path as given, or a name under <project>/playbooks (lab.yml, docker.yml, ...)."""
    for candidate in (Path(playbook), project_dir / "playbooks" / playbook):
        if candidate.is_file():
            return candidate.resolve()
    available = sorted(p.name for p in (project_dir / "playbooks").glob("*.yml"))
    raise ConfigError(
        f"playbook {playbook} not found; pass a file or one of: {', '.join(available) or 'none'}"
    )
