"""The inputs of one provisioning run: the request as the command line gave it
(ProvisionRequest, built once by the CLI), checked once before anything runs (build_config,
giving the ProvisionConfig everything downstream takes).

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
from lab.provision.extravars import ExtraVarsSource, check_known, load_extravars, merged
from lab.provision.inventory import Inventory, check_ssh_keys, select_hosts
from lab.provision.options import (
    NO_OPTIONS,
    NO_PASSWORDS,
    NO_VAULT,
    AnsibleOptions,
    Passwords,
    Vault,
    check_private_key,
    open_vault,
)
from lab.provision.playbook import target_names
from lab.provision.runs import DEFAULT_KEEP
from lab.provision.secrets import all_strings, is_secret_name, secret_named_values, url_passwords
from lab.summary.outcome import class_docker_source

DEFAULT_PLAYBOOK = "lab.yml"
REPORTS_DIR_VARIABLE = "namespace_lab_reports_dir"
LANG_VARIABLE = "namespace_lab_lang"
# Where a run writes on the controller (reports/, .cache/images/) unless a variable says
# otherwise: the namespace_lab role's defaults read it, so an inventory or -e value still wins as
# Ansible's precedence has it. Without it (plain ansible-playbook) they follow the role's path.
WORK_DIR_ENV = "NSLAB_WORK_DIR"


class ConfigError(LabError):
    pass


@dataclass(frozen=True)
class ProvisionRequest:
    """What `nslab provision` was asked, as typed: nothing here is checked yet."""

    project_dir: Path | None = None
    # None: the built-in default class (local VMs; vms, docker_repo and release apply).
    inventory: Path | None = None
    playbook: str = DEFAULT_PLAYBOOK
    limit: str | None = None
    forks: int | None = None
    extravars: tuple[str, ...] = ()
    check: bool = False
    retry_failed: bool = False
    keep_runs: int = DEFAULT_KEEP
    options: AnsibleOptions = NO_OPTIONS
    vms: int = 1
    docker_repo: str = "auto"
    release: str | None = None

    @property
    def project(self) -> Path:
        """The project directory asked for (--project), else the default one; not checked."""
        return self.project_dir or default_project_dir()


@dataclass(frozen=True)
class ProvisionConfig:
    project_dir: Path
    playbook: Path
    inventory: Path
    # The hosts the run will touch, as Ansible resolved inventory + limit.
    hosts: tuple[str, ...]
    limit: str | None = None
    forks: int | None = None
    # Every -e merged (secrets included: memory only, never written as they are).
    extravars: Mapping[str, Any] = field(default_factory=dict, repr=False)
    check: bool = False
    # Each -e in order.
    extravars_sources: tuple[ExtraVarsSource, ...] = ()
    options: AnsibleOptions = NO_OPTIONS
    passwords: Passwords = NO_PASSWORDS
    vault: Vault = NO_VAULT
    # Values that must never reach a file: typed passwords, vaulted and secret-named values.
    secret_values: tuple[str, ...] = field(default=(), repr=False)
    docker_source: str = ""
    # Where runs/ go and what the role's defaults put reports/ under (see WORK_DIR_ENV).
    work_dir: Path = Path()
    # The selected hosts' inventory variables as Ansible resolved them (memory only).
    hostvars: Mapping[str, Mapping[str, Any]] = field(default_factory=dict, repr=False)

    @property
    def ansible_cfg(self) -> Path:
        return self.project_dir / "ansible.cfg"

    @property
    def reports_dir(self) -> Path:
        """Where the namespace_lab role fetches reports, as Ansible decides it: -e, else the
        inventory (the summary play takes a lab host's variables), else the role's default."""
        return Path(self.class_variable(REPORTS_DIR_VARIABLE) or self.work_dir / "reports")

    @property
    def lang(self) -> str:
        """The class's language, as the playbook's summary play reads it."""
        return str(self.class_variable(LANG_VARIABLE) or "en")

    def class_variable(self, name: str) -> Any:
        """A variable of the class as the playbook's summary play sees it: -e, else the first
        host's inventory value; None when neither sets it, or when only Ansible can tell what
        a template becomes (the playbook's own run then says where it wrote)."""
        if name in self.extravars:
            return self.extravars[name]
        first = next(iter(self.hostvars.values()), {})
        value = first.get(name)
        return None if "{{" in str(value) else value


def installed_project_dir() -> Path:
    """ansible.cfg, playbooks/, roles/ and the example inventory as the wheel installs them
    (copied into lab/project/ by the build, see setup.py)."""
    return Path(lab.__file__).resolve().parent / "project"


def default_project_dir() -> Path:
    """The checkout nslab runs from (an editable install), else the project installed with it."""
    checkout = Path(lab.__file__).resolve().parent.parent
    if (checkout / "ansible.cfg").is_file():
        return checkout
    return installed_project_dir()


def work_dir_of(project_dir: Path) -> Path:
    """Where runs/, reports/ and the local VMs' inventory go: the project directory (a checkout
    or --project), except the installed one, which belongs to the package: then the current
    directory, as with ansible-playbook's own output."""
    if project_dir.resolve() == installed_project_dir():
        return Path.cwd()
    return project_dir


def check_project(project_dir: Path) -> Path:
    """The project directory, resolved; a ConfigError if it has no ansible.cfg (the settings
    every run needs)."""
    project_dir = project_dir.resolve()
    if not (project_dir / "ansible.cfg").is_file():
        raise ConfigError(
            f"--project {project_dir} is not an nslab project (no ansible.cfg there); pass a "
            f"directory with ansible.cfg, playbooks/ and roles/ (an nslab checkout), or leave "
            f"--project out to use {default_project_dir()}"
        )
    return project_dir


def build_config(
    request: ProvisionRequest,
    *,
    passwords: Passwords = NO_PASSWORDS,
    private_dir: Path | None = None,
) -> ProvisionConfig:
    """Check every input of `request` (which names an inventory); raise a LabError naming the
    first bad one and how to fix it.

    `private_dir` (0700, outside the run directory) receives a typed vault password for
    ansible-playbook.
    """
    if request.inventory is None:
        raise ConfigError("a run needs an inventory: pass -i, or leave it out for local VMs")
    project_dir, playbook_path, vault, sources = check_inputs(
        request, passwords=passwords, private_dir=private_dir
    )
    variables = merged(sources)
    selected = select_hosts(
        request.inventory.resolve(), project_dir / "ansible.cfg", request.limit, vault
    )
    check_play_targets(selected, playbook_path)
    check_ssh_keys(selected, os.environ, Path.home(), request.options.private_key)
    return ProvisionConfig(
        project_dir=project_dir,
        playbook=playbook_path,
        inventory=selected.path,
        hosts=selected.hosts,
        limit=request.limit,
        forks=request.forks,
        extravars=variables,
        check=request.check,
        extravars_sources=tuple(sources),
        options=request.options,
        passwords=passwords,
        vault=vault,
        secret_values=tuple(_secret_values(sources, passwords, vault, selected.hostvars)),
        docker_source=class_docker_source(selected.hostvars, variables),
        # Reports and the saved lab image land in the work directory unless a variable says
        # otherwise: the role's own defaults follow its real path, which a project of symlinks
        # would send elsewhere and an installed project would put inside the package.
        work_dir=work_dir_of(project_dir),
        hostvars=selected.hostvars,
    )


def check_inputs(
    request: ProvisionRequest,
    *,
    passwords: Passwords = NO_PASSWORDS,
    private_dir: Path | None = None,
) -> tuple[Path, Path, Vault, list[ExtraVarsSource]]:
    """Every input that does not need the hosts: the built-in default class checks them before
    it boots a VM. Returns the project and playbook resolved, the vault and the -e sources."""
    project_dir = check_project(request.project)
    if request.forks is not None and request.forks < 1:
        raise ConfigError(f"--forks {request.forks}: give at least 1")
    playbook_path = resolve_playbook(project_dir, request.playbook)
    options = request.options
    check_private_key(options)
    if passwords.vault and private_dir is None:
        raise ConfigError("a typed vault password needs a private directory to hand it over")
    vault = open_vault(options, passwords, private_dir or project_dir)
    sources = load_extravars(request.extravars, vault.secrets)
    check_known(merged(sources), project_dir / "roles", playbook_path)
    return project_dir, playbook_path, vault, sources


def check_play_targets(selected: Inventory, playbook: Path) -> None:
    """Fail before any connection when no selected host is in a group the playbook runs on."""
    names = target_names(playbook)
    if names is None or not names:
        return
    if names & (set(selected.groups_with_hosts) | set(selected.hosts)):
        return
    wanted = " or ".join(sorted(names))
    raise ConfigError(
        f"inventory {selected.path} has no host in {wanted}, the group {playbook.name} runs on; "
        f"put the class machines under [{sorted(names)[0]}] (see inventory/) and run again"
    )


def _secret_values(
    sources: Sequence[ExtraVarsSource],
    passwords: Passwords,
    vault: Vault,
    hostvars: Mapping[str, Any],
) -> list[str]:
    values = [*passwords.values(), *vault.secret_values()]
    # The inventory's own variables: a proxy URL with its password, an ansible_password.
    values += url_passwords(hostvars) + secret_named_values(hostvars)
    values += [value for name, value in os.environ.items() if is_secret_name(name)]
    for source in sources:
        values += url_passwords(source.variables) + secret_named_values(source.variables)
        if source.from_vault:
            values += all_strings(source.variables)
    return values


def resolve_playbook(project_dir: Path, playbook: str) -> Path:
    """A playbook path as given, or a name under <project>/playbooks (lab.yml, docker.yml, ...)."""
    for candidate in (Path(playbook), project_dir / "playbooks" / playbook):
        if candidate.is_file():
            return candidate.resolve()
    available = sorted(p.name for p in (project_dir / "playbooks").glob("*.yml"))
    raise ConfigError(
        f"playbook {playbook} not found; pass a file or one of: {', '.join(available) or 'none'}"
    )
