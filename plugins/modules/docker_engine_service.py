#!/usr/bin/python
"""Docker's service enabled at boot, running, and answering: one round trip.

Docker's packages enable and start the engine themselves (step 4 then waits for it in its own
round trip); this step runs when step 4 does not: a service someone stopped or disabled, or an
engine configuration just rewritten. It waits until the engine answers, as `docker info` in
Docker's "verify the installation" does.
"""

from __future__ import annotations

from ansible.module_utils.basic import AnsibleModule

# The shared code in plugins/module_utils: as the collection nslab.lab when a role runs from the
# built collection, else as ansible.module_utils (the checkout's ansible.cfg `module_utils`, or
# the playbooks/module_utils beside the playbooks). Ansible packs whichever import it finds.
try:
    from ansible_collections.nslab.lab.plugins.module_utils.docker_engine_systemd import (
        NotAnswering,
        start_and_wait,
        start_needed,
    )
except ImportError:
    from ansible.module_utils.docker_engine_systemd import NotAnswering, start_and_wait, start_needed

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


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "unit": {"type": "str", "required": True},
            "wait_command": {"type": "list", "elements": "str", "required": True},
            "wait_seconds": {"type": "int", "default": 30},
        },
        supports_check_mode=True,
    )
    params = module.params
    if module.check_mode:
        module.exit_json(changed=any(start_needed(params["unit"])))
    try:
        changed, answer = start_and_wait(
            params["unit"], params["wait_command"], params["wait_seconds"]
        )
    except NotAnswering as error:
        module.fail_json(msg=str(error), changed=error.changed)
    module.exit_json(changed=changed, answer=answer)


if __name__ == "__main__":
    main()
