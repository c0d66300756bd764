"""nslab outside its checkout: the collection's and the wheel's contents, and where a run from the
installed package writes (the end-to-end runs are tests/molecule/test_install_elsewhere.py)."""

from __future__ import annotations

import configparser
import re
import tomllib
from pathlib import Path

import pytest
import yaml

import lab
from lab.errors import LabError
from lab.provision.config import (
    ProvisionRequest,
    default_project_dir,
    installed_project_dir,
    work_dir_of,
)
from lab.provision.local import provision_local

PROJECT = Path(__file__).resolve().parents[2]


def test_the_collection_and_the_package_have_one_version() -> None:
    galaxy = yaml.safe_load((PROJECT / "galaxy.yml").read_text())
    pyproject = tomllib.loads((PROJECT / "pyproject.toml").read_text())
    assert galaxy["version"] == pyproject["project"]["version"] == lab.__version__


def test_module_code_lives_once_and_no_role_reaches_into_another() -> None:
    # Modules and their shared code live where the collection keeps them (plugins/), as files:
    # no role carries a library/ or module_utils/ of its own, and nothing links one role's code
    # into another's.
    for kind in ("modules", "module_utils"):
        files = sorted((PROJECT / "plugins" / kind).glob("*.py"))
        assert files and not [f for f in files if f.is_symlink()], kind
    for role in (PROJECT / "roles").iterdir():
        assert not (role / "library").exists() and not (role / "module_utils").exists(), role
        links = [p for p in role.rglob("*") if p.is_symlink()]
        # The one link: namespace_lab carries the experiment's code, the project's lab package.
        assert all(p.resolve() == PROJECT / "lab" for p in links), links
    assert (PROJECT / "roles" / "namespace_lab" / "files" / "lab").resolve() == PROJECT / "lab"


def test_every_way_of_running_the_roles_finds_the_modules_and_their_shared_code() -> None:
    # The checkout's ansible.cfg (relative to itself), the playbooks' own library/ and
    # module_utils/ (for a project that reuses playbooks/ with another ansible.cfg), and each
    # Molecule scenario's settings all name plugins/.
    config = configparser.ConfigParser()
    config.read(PROJECT / "ansible.cfg")
    assert config["defaults"]["library"] == "plugins/modules"
    assert config["defaults"]["module_utils"] == "plugins/module_utils"
    playbooks = PROJECT / "playbooks"
    assert (playbooks / "library").resolve() == PROJECT / "plugins" / "modules"
    assert (playbooks / "module_utils").resolve() == PROJECT / "plugins" / "module_utils"
    for scenario in PROJECT.glob("molecule/*/molecule.yml"):
        text = scenario.read_text()
        for kind in ("modules", "module_utils"):
            assert f"${{MOLECULE_PROJECT_DIRECTORY}}/plugins/{kind}" in text, scenario
    # Every module's ansible.module_utils import is one of the shared files.
    imported = re.compile(r"^\s*from ansible\.module_utils(?:\.(\w+) import| import (\w+))", re.M)
    for module in PROJECT.glob("plugins/*/*.py"):
        names = {a or b for a, b in imported.findall(module.read_text())}
        for name in names - {"basic", "common"}:
            assert (PROJECT / "plugins" / "module_utils" / f"{name}.py").is_file(), module


def test_a_checkout_is_its_own_project_and_work_directory() -> None:
    assert default_project_dir() == PROJECT
    assert work_dir_of(PROJECT) == PROJECT


def test_the_installed_project_writes_to_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert installed_project_dir() == PROJECT / "lab" / "project"
    assert work_dir_of(installed_project_dir()) == tmp_path


def test_bad_extra_vars_are_refused_before_any_vm_boots(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = tmp_path / "cache"
    monkeypatch.setenv("NSLAB_CACHE", str(state))
    with pytest.raises(LabError, match=r"missing\.yml"):
        provision_local(
            ProvisionRequest(
                project_dir=PROJECT,
                docker_repo="standin",
                vms=1,
                extravars=[f"@{tmp_path}/missing.yml"],
            )
        )
    with pytest.raises(LabError, match="--forks 0"):
        provision_local(
            ProvisionRequest(project_dir=PROJECT, docker_repo="standin", vms=1, forks=0)
        )
    assert not state.exists(), "nothing may be built or booted"
