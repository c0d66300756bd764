"""Import the docker_engine role's modules as Ansible ships them to a host: its module_utils
under ansible.module_utils, its library modules by file."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROLE = Path(__file__).resolve().parents[2] / "roles" / "docker_engine"


def _load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def role_module(name: str) -> ModuleType:
    """roles/docker_engine/library/<name>.py, its role module_utils importable as Ansible's."""
    for util in (ROLE / "module_utils").glob("*.py"):
        if f"ansible.module_utils.{util.stem}" not in sys.modules:
            _load(f"ansible.module_utils.{util.stem}", util)
    return _load(name, ROLE / "library" / f"{name}.py")
