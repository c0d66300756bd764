#!/usr/bin/python
"""Docker's service enabled at boot, running, and answering: one round trip.

Docker's packages enable and start the engine themselves; this step catches what they did not
(a policy that keeps services from starting, a service someone stopped or disabled) and waits
until the engine answers, as `docker info` in Docker's "verify the installation" does.
"""

from __future__ import annotations

import subprocess
import time

from ansible.module_utils.basic import AnsibleModule

# The role's shared code: from the collection nslab.lab when the role runs from it, else from
# the standalone role's module_utils/ (Ansible puts it on the path for standalone roles only).
try:
    from ansible_collections.nslab.lab.plugins.module_utils.docker_engine_systemd import unit_state
except ImportError:
    from ansible.module_utils.docker_engine_systemd import unit_state

DOCUMENTATION = r"""
---
module: docker_engine_service
short_description: Enable and start a systemd unit if it is not, then wait until a command answers
description:
  - Enables the unit at boot and starts it when systemd says it is not enabled or not active;
    reports changed only then.
  - Then runs I(wait_command) once a second until it succeeds or I(wait_seconds) pass.
  - Check mode reports what would change and does not wait.
options:
  unit: {type: str, required: true, description: The systemd unit.}
  wait_command: {type: list, elements: str, required: true, description: Succeeds once the service answers.}
  wait_seconds: {type: int, default: 30, description: How long to wait for it.}
author: nslab
"""

RETURN = r"""
answer:
  description: What I(wait_command) printed.
  returned: success, outside check mode
  type: str
"""


def systemctl(*argv: str) -> None:
    result = subprocess.run(["systemctl", *argv], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"systemctl {' '.join(argv)} failed: {result.stderr.strip()}")


def wait_for(command: list[str], seconds: int) -> str:
    deadline = time.monotonic() + seconds
    while True:
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode == 0:
            return result.stdout.strip()
        if time.monotonic() >= deadline:
            raise RuntimeError(
                f"{' '.join(command)} still fails after {seconds} s: {result.stderr.strip()}"
            )
        time.sleep(1)


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "unit": {"type": "str", "required": True},
            "wait_command": {"type": "list", "elements": "str", "required": True},
            "wait_seconds": {"type": "int", "default": 30},
        },
        supports_check_mode=True,
    )
    unit = module.params["unit"]
    state = unit_state(unit)
    enable = state.get("UnitFileState") != "enabled"
    start = state.get("ActiveState") != "active"
    if module.check_mode:
        module.exit_json(changed=enable or start)
    try:
        if enable:
            systemctl("enable", unit)
        if start:
            systemctl("start", unit)
        answer = wait_for(module.params["wait_command"], module.params["wait_seconds"])
    except RuntimeError as error:
        module.fail_json(msg=f"{error} (see journalctl -u {unit})", changed=enable or start)
    module.exit_json(changed=enable or start, answer=answer)


if __name__ == "__main__":
    main()
