#!/usr/bin/python
"""The docker_engine role's probe: one read-only look at a Debian host and the role's plan for it.

A thin module: docker_engine_host reads the host, docker_engine_plan decides; this file only
takes the role's settings and returns both (or the reason to stop).
"""

from __future__ import annotations

from dataclasses import asdict

from ansible.module_utils.basic import AnsibleModule

# Shared code: as the collection nslab.lab when a role runs from the built collection,
# else as ansible.module_utils (see ansible.cfg). Ansible packs whichever import it finds.
try:
    from ansible_collections.nslab.lab.plugins.module_utils.docker_engine_file_entry import (
        FILE_ENTRY_OPTIONS,
    )
    from ansible_collections.nslab.lab.plugins.module_utils.docker_engine_host import (
        Settings,
        read_host,
    )
    from ansible_collections.nslab.lab.plugins.module_utils.docker_engine_plan import (
        Stop,
        make_plan,
    )
except ImportError:
    from ansible.module_utils.docker_engine_file_entry import FILE_ENTRY_OPTIONS
    from ansible.module_utils.docker_engine_host import Settings, read_host
    from ansible.module_utils.docker_engine_plan import Stop, make_plan

DOCUMENTATION = r"""
---
module: docker_engine_probe
short_description: Read what the docker_engine role decides on, and plan its steps
description:
  - Reads the host once (os-release, dpkg architecture and package states, dpkg/apt lock holders,
    an interrupted dpkg run, AppArmor, apt sources that define Docker's repository, the signing
    key's checksum and mode, the docker service, the files the role manages, apt's lists, the
    docker group) and returns it as C(host).
  - Returns C(plan), the documented steps this host still needs, and fails with a message that
    names the problem and the fix when the role must stop before any change.
  - Read-only; runs the same in check mode.
options:
  install_source: {type: str, required: true, choices: [official, debian]}
  apt_source_format: {type: str, required: true, choices: [list, sources]}
  repo_url: {type: str, required: true}
  channel: {type: str, required: true}
  key_checksum: {type: str, default: ""}
  key_fingerprint: {type: str, default: ""}
  packages: {type: list, elements: str, required: true}
  debian_packages: {type: list, elements: str, default: []}
  package_state: {type: str, default: present, choices: [present, latest]}
  version: {type: str, default: ""}
  remove_conflicting: {type: bool, default: false}
  supported_releases: {type: list, elements: str, required: true}
  supported_architectures: {type: list, elements: str, required: true}
  apt_cache_valid_time: {type: int, default: 3600}
  apt_proxy: {type: str, default: ""}
  users: {type: list, elements: str, default: []}
  managed_files:
    description: Files the role writes from its variables (content "" with state absent).
    type: list
    elements: dict
    default: []
author: nslab
"""

RETURN = r"""
host:
  description: What was read on the host.
  returned: always
  type: dict
plan:
  description: The steps this host needs (see the role's tasks/steps.yml).
  returned: success
  type: dict
"""


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "install_source": {"type": "str", "required": True, "choices": ["official", "debian"]},
            "apt_source_format": {"type": "str", "required": True, "choices": ["list", "sources"]},
            "repo_url": {"type": "str", "required": True},
            "channel": {"type": "str", "required": True},
            "key_checksum": {"type": "str", "default": "", "no_log": False},
            "key_fingerprint": {"type": "str", "default": "", "no_log": False},
            "packages": {"type": "list", "elements": "str", "required": True},
            "debian_packages": {"type": "list", "elements": "str", "default": []},
            "package_state": {
                "type": "str",
                "default": "present",
                "choices": ["present", "latest"],
            },
            "version": {"type": "str", "default": ""},
            "remove_conflicting": {"type": "bool", "default": False},
            "supported_releases": {"type": "list", "elements": "str", "required": True},
            "supported_architectures": {"type": "list", "elements": "str", "required": True},
            "apt_cache_valid_time": {"type": "int", "default": 3600},
            "apt_proxy": {"type": "str", "default": "", "no_log": False},
            "users": {"type": "list", "elements": "str", "default": []},
            "managed_files": {
                "type": "list",
                "elements": "dict",
                "default": [],
                "options": FILE_ENTRY_OPTIONS,
            },
        },
        supports_check_mode=True,
    )
    settings = Settings(**module.params)
    host = read_host(settings)
    host_view = asdict(host)
    for source in host_view["sources"]:
        source.pop("content")
    try:
        plan = make_plan(settings, host, module.check_mode)
    except Stop as stop:
        module.fail_json(msg=str(stop), host=host_view)
    module.exit_json(
        changed=False, host=host_view, plan={**asdict(plan), "any_step": plan.any_step}
    )


if __name__ == "__main__":
    main()
