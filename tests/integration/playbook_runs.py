"""Running the project's playbooks as a user types them, on test-bed hosts."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import yaml

PROJECT_DIR = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
DOCKER_CONNECTION = {"ansible_connection": "community.docker.docker", "ansible_user": "root"}


def role_default(role: str, name: str) -> object:
    """A role's default as its defaults/main.yml gives it: what a user who sets nothing gets."""
    defaults = yaml.safe_load((PROJECT_DIR / "roles" / role / "defaults" / "main.yml").read_text())
    return defaults[name]


def ansible_playbook(*args: str, cwd: Path = PROJECT_DIR) -> subprocess.CompletedProcess[str]:
    """`ansible-playbook ARGS` from `cwd`: the project's ansible.cfg is whatever cwd gives."""
    return subprocess.run(
        [str(VENV_BIN / "ansible-playbook"), *args],
        cwd=cwd,
        env={**os.environ, "PATH": f"{VENV_BIN}:{os.environ['PATH']}", "ANSIBLE_NOCOLOR": "1"},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def output_of(result: subprocess.CompletedProcess[str]) -> str:
    """stdout and stderr with every run of white space made one space (wrapped messages)."""
    return " ".join((result.stdout + result.stderr).split())


def write_inventory(
    path: Path, hosts: Mapping[str, Mapping[str, object]], variables: Mapping[str, object]
) -> Path:
    """A class inventory of test-bed hosts (docker connection) in the lab_vms group."""
    inventory = {
        "lab_vms": {
            "hosts": {name: {**DOCKER_CONNECTION, **host} for name, host in hosts.items()},
            "vars": dict(variables),
        }
    }
    path.write_text(json.dumps(inventory, indent=2))
    return path


def tree_state(root: Path) -> dict[str, tuple[int, str]]:
    """Every path under `root` with its mtime and content hash: equal states, nothing written."""
    return {
        str(path.relative_to(root)): (
            path.stat().st_mtime_ns,
            hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir",
        )
        for path in sorted(root.rglob("*"))
    }
