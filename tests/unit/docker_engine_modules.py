"""Import the roles' modules as Ansible ships them to a host: the shared code in
plugins/module_utils under ansible.module_utils (as from the checkout's roles_path), a module by
its file in plugins/modules."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

PLUGINS = Path(__file__).resolve().parents[2] / "plugins"
# What Ansible's packer follows too: a shared file's own imports of other shared files.
SHARED_IMPORT = re.compile(r"^\s*from ansible\.module_utils(?:\.(\w+) import| import (\w+))", re.M)


def _load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def shared_code(name: str) -> ModuleType:
    """plugins/module_utils/<name>.py as ansible.module_utils.<name>, loaded once, after the
    shared files it imports."""
    qualified = f"ansible.module_utils.{name}"
    if qualified not in sys.modules:
        path = PLUGINS / "module_utils" / f"{name}.py"
        for dotted, named in SHARED_IMPORT.findall(path.read_text()):
            needed = dotted or named
            if (PLUGINS / "module_utils" / f"{needed}.py").is_file():
                shared_code(needed)
        _load(qualified, path)
    return sys.modules[qualified]


def role_module(name: str) -> ModuleType:
    """plugins/modules/<name>.py, with the shared code it imports loaded first."""
    for util in sorted((PLUGINS / "module_utils").glob("*.py")):
        shared_code(util.stem)
    return _load(name, PLUGINS / "modules" / f"{name}.py")
