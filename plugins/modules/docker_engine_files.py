#!/usr/bin/python
"""Write (or remove) the small files of Docker's steps in one round trip, and restart the
service they configure when one changed.

Docker's docs write each of these files and then run `systemctl daemon-reload` and
`systemctl restart docker`; doing both in the task that changed the file keeps a repaired
daemon.json at one changed task. Contents may carry a proxy URL with a password: they are never
echoed back, and such files are given mode 0600 by the role.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ansible.module_utils.basic import AnsibleModule

# The shared code in plugins/module_utils: as the collection nslab.lab when a role runs from the
# built collection, else as ansible.module_utils (the checkout's ansible.cfg `module_utils`, or
# the playbooks/module_utils beside the playbooks). Ansible packs whichever import it finds.
try:
    from ansible_collections.nslab.lab.plugins.module_utils.docker_engine_file_entry import FILE_ENTRY_OPTIONS, entry_differs
    from ansible_collections.nslab.lab.plugins.module_utils.docker_engine_systemd import systemctl, unit_state
except ImportError:
    from ansible.module_utils.docker_engine_file_entry import FILE_ENTRY_OPTIONS, entry_differs
    from ansible.module_utils.docker_engine_systemd import systemctl, unit_state

DOCUMENTATION = r"""
---
module: docker_engine_files
short_description: Write or remove files (owner root, given mode), then restart a unit on change
description:
  - Each file in I(files) is written atomically with its content and mode (owner root), or
    removed with C(state=absent); unchanged files are left alone.
  - When a file changed and I(restart) names a unit, systemd re-reads unit files (a drop-in may
    have changed) and the unit is restarted if it is running (C(systemctl try-restart)).
  - Check mode reports what would change and changes nothing.
options:
  files:
    type: list
    elements: dict
    required: true
    description: Entries with path, content, mode (default 0644), state (present or absent).
  restart:
    type: str
    default: ""
    description: A systemd unit to restart when a file changed.
  restart_seconds:
    type: int
    default: 180
    description: How long the restart may take before the module stops, naming the unit.
author: nslab
"""

RETURN = r"""
changed_paths:
  description: The paths written or removed (or that would be, in check mode).
  returned: always
  type: list
  elements: str
"""


def write(path: Path, content: bytes, mode: int) -> None:
    path.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
    descriptor, partial = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        # Mode before content: a secret never sits in a file others can read.
        os.fchmod(descriptor, mode)
        os.fchown(descriptor, 0, 0)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
        os.replace(partial, path)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "files": {
                "type": "list",
                "elements": "dict",
                "required": True,
                "options": FILE_ENTRY_OPTIONS,
            },
            "restart": {"type": "str", "default": ""},
            "restart_seconds": {"type": "int", "default": 180},
        },
        supports_check_mode=True,
    )
    changed_paths = []
    for entry in module.params["files"]:
        path = Path(entry["path"])
        if entry["state"] == "absent":
            if path.exists():
                changed_paths.append(str(path))
                if not module.check_mode:
                    path.unlink()
            continue
        if entry_differs(Path("/"), entry):
            changed_paths.append(str(path))
            if not module.check_mode:
                write(path, entry["content"].encode(), int(entry["mode"], 8))
    unit = module.params["restart"]
    # A unit not installed yet reads its configuration when its package starts it.
    if changed_paths and unit and not module.check_mode and unit_state(unit).get("UnitFileState"):
        try:
            systemctl("daemon-reload", seconds=module.params["restart_seconds"])
            # Bounded: docker.service's TimeoutStartSec=0 lets a wedged dockerd block forever.
            systemctl("try-restart", unit, seconds=module.params["restart_seconds"])
        except RuntimeError as error:
            module.fail_json(
                msg=f"{error} after writing {', '.join(changed_paths)} "
                f"(see journalctl -u {unit})",
                changed=True,
                changed_paths=changed_paths,
            )
    report = "".join(
        f"{'would change' if module.check_mode else 'changed'}: {p}\n" for p in changed_paths
    )
    module.exit_json(
        changed=bool(changed_paths),
        changed_paths=changed_paths,
        diff={"prepared": report} if changed_paths else {},
    )


if __name__ == "__main__":
    main()
