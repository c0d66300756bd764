"""The wheel's project files: what `nslab provision` runs when nslab is installed, not checked out.

Everything else about the package is in pyproject.toml. setuptools installs package data only from
inside a package, and the playbooks, roles, ansible.cfg and example inventory live at the top of
the checkout (where ansible-playbook and the collection build want them), so the build copies them
into lab/project/ of the wheel. Links are followed: the namespace_lab role's files/lab becomes a
copy of the lab package, so the installed role carries the experiment's code too.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

CHECKOUT = Path(__file__).resolve().parent
# Relative to the checkout; directories are copied whole.
PROJECT_FILES = (
    "ansible.cfg",
    "playbooks",
    "plugins",
    "roles",
    "inventory/class.example.yml",
    "inventory/group_vars",
)
# Never in the wheel: bytecode, and the test doubles (through the role's link to lab/).
LEFT_OUT = shutil.ignore_patterns("__pycache__", "*.pyc", "testing")


class BuildWithProject(build_py):
    def run(self) -> None:
        super().run()
        # An editable install runs from the checkout, which is its own project directory.
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "lab" / "project"
        if target.exists():
            shutil.rmtree(target)
        for name in PROJECT_FILES:
            source, destination = CHECKOUT / name, target / name
            destination.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, destination, ignore=LEFT_OUT)
            else:
                shutil.copy2(source, destination)


setup(cmdclass={"build_py": BuildWithProject})
