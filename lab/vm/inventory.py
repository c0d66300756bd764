"""The Ansible inventory of the local VMs, read by `ansible-playbook -i` and `nslab provision`."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from lab.vm.host_keys import host_key_options
from lab.vm.ssh import SSH_HOST

GROUP = "lab_vms"
# For these VMs only, not for a class's machines (ansible.cfg keeps Ansible's defaults): each
# `up` brings new host keys on reused ports, each VM's pinned in its own known_hosts, and the lab
# key is the one way in. As ssh_args (ansible.cfg's connection sharing plus these), because ssh
# takes the first value of an option and Ansible puts its own options (PreferredAuthentications;
# StrictHostKeyChecking=no when host key checking is turned off) before ansible_ssh_common_args.
CONNECTION_ARGS = (
    *("-o", "ControlMaster=auto", "-o", "ControlPersist=60s"),
    *("-o", "PreferredAuthentications=publickey", "-o", "IdentitiesOnly=yes"),
)
# Ansible waits `timeout` + 2 s for sudo's answer before it calls a host unreachable (10 s by
# default). These VMs run emulated (TCG, no KVM) on a controller busy with other work, and there
# sudo took longer than 12 s once (the trixie VM, beside the test suite's second worker): a slow
# VM is not a lost one. A real class's machines keep Ansible's default.
SSH_TIMEOUT_S = 60
HEADER = (
    "# Written by `nslab vm up` for the VMs it booted; `nslab vm down` removes it.\n"
    "# Regenerated on every `up`: edit the command's options, not this file.\n"
)


@dataclass(frozen=True)
class InventoryHost:
    name: str
    ssh_port: int
    student_id: str
    known_hosts: Path


def inventory_document(hosts: list[InventoryHost], user: str, key: Path) -> dict:
    return {
        GROUP: {
            "hosts": {
                host.name: {
                    "ansible_host": SSH_HOST,
                    "ansible_port": host.ssh_port,
                    "ansible_user": user,
                    "ansible_ssh_private_key_file": str(key.resolve()),
                    "ansible_ssh_args": " ".join(
                        (*CONNECTION_ARGS, *host_key_options(host.known_hosts.resolve()))
                    ),
                    "ansible_host_key_checking": True,
                    "ansible_ssh_timeout": SSH_TIMEOUT_S,
                    "ansible_become": True,
                    "ansible_python_interpreter": "/usr/bin/python3",
                    "student_id": host.student_id,
                }
                for host in hosts
            }
        }
    }


def write_inventory(path: Path, document: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    partial.write_text(HEADER + yaml.safe_dump(document, sort_keys=False, explicit_start=True))
    os.replace(partial, path)
    return path


def set_class_variables(path: Path, variables: dict[str, str]) -> Path:
    """Give the VMs' group these variables (replacing any earlier ones), so the inventory run on
    its own (`nslab provision -i inventory/local.yml`, `ansible-playbook -i ...`) takes Docker
    and the lab image from where the built-in default class took them."""
    document = yaml.safe_load(path.read_text()) or {}
    group = document.setdefault(GROUP, {})
    group.pop("vars", None)
    if variables:
        group["vars"] = dict(variables)
    return write_inventory(path, document)
