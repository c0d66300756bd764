"""The wheel's contents, from lab/shipping.json (the one list of what ships).

Everything else about the package is in pyproject.toml. setuptools installs package data only from
inside a package, and the playbooks, roles, plugins, ansible.cfg and example inventory live at the
top of the checkout (where ansible-playbook and the collection build want them), so the build
copies the list's `wheel_project` entries into lab/project/ of the wheel. Links are followed: the
namespace_lab role's files/lab becomes a copy of the lab package, so the installed role carries
the experiment's code too. The list's `never` entries are left out of the packages and the copy.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

CHECKOUT = Path(__file__).resolve().parent
SHIPPING = json.loads((CHECKOUT / "lab" / "shipping.json").read_text())
# Paths under lab/ that never ship (lab/testing: the test doubles) as package names, and every
# `never` entry's last part as a pattern for the copy (through the role's link to lab/ too).
NEVER_PACKAGES = [
    name.replace("/", ".") + suffix
    for name in SHIPPING["never"]
    if name.startswith("lab/")
    for suffix in ("", ".*")
]
LEFT_OUT = shutil.ignore_patterns(*(Path(name).name for name in SHIPPING["never"]))


class BuildWithProject(build_py):
    def run(self) -> None:
        super().run()
        # An editable install runs from the checkout, which is its own project directory.
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "lab" / "project"
        if target.exists():
            shutil.rmtree(target)
        for name in SHIPPING["wheel_project"]:
            source, destination = CHECKOUT / name, target / name
            destination.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, destination, ignore=LEFT_OUT)
            else:
                shutil.copy2(source, destination)


setup(
    packages=find_packages(include=["lab", "lab.*"], exclude=NEVER_PACKAGES),
    cmdclass={"build_py": BuildWithProject},
)
