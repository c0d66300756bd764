"""Inventories resolved by Ansible itself (`ansible-inventory --list`), never parsed by hand.

What is checked here is what would otherwise surface mid-run as a wall of Ansible output: a
missing or unreadable inventory, a `--limit` that selects nobody, an SSH key that is not there.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lab.errors import LabError
from lab.provision.options import NO_VAULT, Vault
from lab.provision.toolpath import path_with_ansible

# Connections that do not use SSH keys; anything else (ssh, paramiko, the default) does.
_KEYLESS_CONNECTIONS = {"local", "docker", "community.docker.docker", "community.docker.nsenter"}
_KEY_VARIABLES = ("ansible_ssh_private_key_file", "ansible_private_key_file")
_DEFAULT_KEYS = ("id_ed25519", "id_ecdsa", "id_rsa")


class InventoryError(LabError):
    pass


@dataclass(frozen=True)
class Inventory:
    path: Path
    # Host name -> its variables, as Ansible resolved them (group_vars/host_vars merged).
    hostvars: dict[str, dict[str, Any]]
    groups_with_hosts: tuple[str, ...]

    @property
    def hosts(self) -> tuple[str, ...]:
        return tuple(self.hostvars)


def load_inventory(
    path: Path, ansible_cfg: Path, limit: str | None = None, vault: Vault = NO_VAULT
) -> Inventory:
    """The hosts of `path` (narrowed by `limit`, an Ansible host pattern) with their variables;
    vault-encrypted inventory variables are decrypted with the run's vault passwords."""
    if not path.exists():
        raise InventoryError(
            f"inventory {path} does not exist; pass an existing file or directory with -i "
            "(inventory/ holds an example)"
        )
    listing = _ansible_inventory(path, ansible_cfg, limit, vault)
    hostvars = {host: {} for host in _hosts_in(listing)}
    for host, variables in listing.get("_meta", {}).get("hostvars", {}).items():
        if host in hostvars:
            hostvars[host] = variables
    groups = tuple(
        name for name, group in listing.items() if name != "_meta" and group.get("hosts")
    )
    return Inventory(path.resolve(), hostvars, groups)


def select_hosts(
    path: Path, ansible_cfg: Path, limit: str | None, vault: Vault = NO_VAULT
) -> Inventory:
    """The hosts a run will touch; an empty selection is an error the user can fix."""
    everything = load_inventory(path, ansible_cfg, vault=vault)
    if not everything.hosts:
        raise InventoryError(
            f"inventory {path} defines no hosts; add the class machines to it "
            "(e.g. under a [lab_vms] group) and run again"
        )
    if limit is None:
        return everything
    selected = load_inventory(path, ansible_cfg, limit, vault)
    if not selected.hosts:
        raise InventoryError(
            f"--limit {limit!r} matches no host in {path}; groups with hosts: "
            f"{', '.join(everything.groups_with_hosts)}"
        )
    return selected


def check_ssh_keys(
    inventory: Inventory, environ: Mapping[str, str], home: Path, private_key: Path | None = None
) -> None:
    """Fail before the run if an SSH host names a key file that is missing, or has no key at all.

    A host's own key variable wins over --private-key (`private_key`), which wins over
    ANSIBLE_PRIVATE_KEY_FILE, as in Ansible."""
    for host, variables in inventory.hostvars.items():
        if str(variables.get("ansible_connection", "ssh")) in _KEYLESS_CONNECTIONS:
            continue
        named = next((variables[v] for v in _KEY_VARIABLES if variables.get(v)), None)
        named = named or private_key or environ.get("ANSIBLE_PRIVATE_KEY_FILE")
        if named is not None:
            if "{{" in str(named):
                continue  # a template: only Ansible can tell what it becomes
            key = Path(str(named)).expanduser()
            if not key.is_file():
                raise InventoryError(
                    f"host {host}: SSH key {key} does not exist; create it (ssh-keygen) or fix "
                    f"ansible_ssh_private_key_file in {inventory.path}"
                )
        elif not environ.get("SSH_AUTH_SOCK") and not any(
            (home / ".ssh" / name).is_file() for name in _DEFAULT_KEYS
        ):
            raise InventoryError(
                f"host {host}: no SSH key available (no ansible_ssh_private_key_file, no "
                f"ssh-agent, no ~/.ssh/id_*); set ansible_ssh_private_key_file in {inventory.path}"
            )


def _ansible_inventory(
    path: Path, ansible_cfg: Path, limit: str | None, vault: Vault
) -> dict[str, Any]:
    command = ["ansible-inventory", "--list", "-i", str(path), *vault.arguments()]
    if limit is not None:
        command += ["--limit", limit]
    env = {
        **os.environ,
        "PATH": path_with_ansible(os.environ.get("PATH")),
        "ANSIBLE_CONFIG": str(ansible_cfg),
        # Without this an unreadable inventory is only a warning and an empty host list.
        "ANSIBLE_INVENTORY_UNPARSED_FAILED": "True",
    }
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        raise InventoryError(f"cannot read inventory {path}: {_ansible_error(done.stderr)}")
    return json.loads(done.stdout)


def _hosts_in(listing: Mapping[str, Any]) -> list[str]:
    hosts: dict[str, None] = {}
    for name, group in listing.items():
        if name != "_meta":
            hosts.update(dict.fromkeys(group.get("hosts", [])))
    return list(hosts)


def _ansible_error(stderr: str) -> str:
    """Ansible's own explanation, most specific line first (warnings name the bad source)."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for marker in ("[WARNING]: * Failed to parse", "[WARNING]: Unable to parse", "[ERROR]:"):
        for line in lines:
            if line.startswith(marker):
                return line.split(":", 1)[1].strip().lstrip("* ")
    return lines[-1] if lines else "ansible-inventory failed without a message"
