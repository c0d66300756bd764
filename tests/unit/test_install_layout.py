"""nslab outside its checkout: the collection's and the wheel's contents, and where a run from the
installed package writes (the end-to-end runs are tests/molecule/test_install_elsewhere.py)."""

from __future__ import annotations

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


def test_the_collection_finds_the_roles_modules_their_shared_code_and_the_roles_code() -> None:
    # A role in a collection does not load its own library/: its short module names resolve in
    # the collection, so every role module is linked into plugins/modules under the same name.
    # Their shared code likewise: plugins/module_utils, which the modules import first.
    for role_dir, plugin_dir in (("library", "modules"), ("module_utils", "module_utils")):
        in_roles = sorted(PROJECT.glob(f"roles/*/{role_dir}/*.py"))
        assert in_roles
        linked = {p.name: p.resolve() for p in (PROJECT / "plugins" / plugin_dir).glob("*.py")}
        assert linked == {path.name: path.resolve() for path in in_roles}
    assert (PROJECT / "roles" / "namespace_lab" / "files" / "lab").resolve() == PROJECT / "lab"


def test_each_roles_modules_find_their_shared_code_in_that_role() -> None:
    # From roles_path (no collection) a module's `ansible.module_utils.X` resolves only in the
    # module_utils/ of the role that runs it: experiment.yml loads namespace_lab alone, and its
    # package step runs docker_engine's apt module.
    imported = re.compile(r"^\s*from ansible\.module_utils\.(\w+) import", re.M)
    for module in PROJECT.glob("roles/*/library/*.py"):
        role = module.parents[1]
        for name in set(imported.findall(module.read_text())) - {"basic", "common"}:
            needed = role / "module_utils" / f"{name}.py"
            assert needed.exists(), f"{module.relative_to(PROJECT)} imports {name}"


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
