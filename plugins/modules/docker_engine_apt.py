#!/usr/bin/python
"""apt-get as Docker's steps type it, with what a classroom adds around it.

Docker's steps are `apt-get update` and `apt-get install ...`: this module runs exactly those
(no python3-apt, which Ansible's apt module would first install with an `apt-get update` of its
own). Around them: it waits for another package manager to let go of the dpkg lock and names it
when it does not, finishes an interrupted dpkg run when asked, and in check mode says what would
change without touching the host. Docker's packages start the engine they install: when asked,
the same round trip then makes sure it runs and waits until it answers (no round trip of its own
for the service step).
"""

from __future__ import annotations

import os
import re
import subprocess
import time

from ansible.module_utils.basic import AnsibleModule

# The shared code in plugins/module_utils: as the collection nslab.lab when a role runs from the
# built collection, else as ansible.module_utils (the checkout's ansible.cfg `module_utils`, or
# the playbooks/module_utils beside the playbooks). Ansible packs whichever import it finds.
try:
    from ansible_collections.nslab.lab.plugins.module_utils.docker_engine_locks import lock_holders
    from ansible_collections.nslab.lab.plugins.module_utils.docker_engine_systemd import (
        NotAnswering,
        start_and_wait,
    )
except ImportError:
    from ansible.module_utils.docker_engine_locks import lock_holders
    from ansible.module_utils.docker_engine_systemd import NotAnswering, start_and_wait

DOCUMENTATION = r"""
---
module: docker_engine_apt
short_description: apt-get update / install / remove as Docker's steps run them
description:
  - Waits up to I(lock_timeout) seconds for the dpkg and apt locks, then optionally finishes an
    interrupted dpkg run (C(dpkg --configure -a)), runs C(apt-get update), and installs or
    removes packages with C(apt-get). Reports changed from apt's own summary line.
  - In check mode nothing runs that changes the host; C(apt-get --simulate) says what would change
    where apt can resolve the packages already, else the requested names are reported.
options:
  install: {type: list, elements: str, default: [], description: Packages (name or name=version).}
  remove: {type: list, elements: str, default: [], description: Packages to apt-get remove (never purge).}
  update: {type: bool, default: false, description: Run apt-get update first.}
  repair: {type: bool, default: false, description: Run dpkg --configure -a (an interrupted run).}
  lock_timeout: {type: int, default: 600, description: Seconds to wait for the dpkg lock.}
  hint: {type: str, default: "", description: Added to a failure message (where packages come from).}
  start_unit:
    type: str
    default: ""
    description: After installing, enable and start this systemd unit if it is not, then wait
      until I(wait_command) answers (what the service step would do, in this round trip).
  wait_command: {type: list, elements: str, default: [], description: Succeeds once I(start_unit) answers.}
  wait_seconds: {type: int, default: 30, description: How long to wait for it.}
author: nslab
"""

RETURN = r"""
stdout:
  description: apt-get's output.
  returned: always
  type: str
lock_timed_out:
  description: True when the lock was still held after lock_timeout (retrying would wait again).
  returned: always
  type: bool
not_answering:
  description: True when the packages installed but I(start_unit) did not answer (retrying the
    install would not help).
  returned: on that failure
  type: bool
answer:
  description: What I(wait_command) printed.
  returned: when I(start_unit) is set, outside check mode
  type: str
"""

LOCK_POLL_S = 2
# "2 upgraded, 5 newly installed, 1 to remove and 0 not upgraded." (+ "N not fully installed")
SUMMARY = re.compile(r"^(\d+) upgraded, (\d+) newly installed, (\d+) to remove", re.MULTILINE)
NOT_FULLY = re.compile(r"^(\d+) not fully installed or removed", re.MULTILINE)
ENVIRONMENT = {"DEBIAN_FRONTEND": "noninteractive", "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}


class AptError(Exception):
    def __init__(self, message: str, output: str = "", lock_timed_out: bool = False) -> None:
        super().__init__(message)
        self.output = output
        self.lock_timed_out = lock_timed_out


def wait_for_locks(timeout: int) -> str:
    """Wait until nobody holds apt's and dpkg's locks; say whom the run waited for, if anyone."""
    started = time.monotonic()
    deadline = started + timeout
    holders = first_holders = lock_holders()
    while holders:
        if time.monotonic() >= deadline:
            raise AptError(
                f"The dpkg lock is still held after {timeout} s by {', '.join(holders)}. Nothing was "
                "installed. Let it finish (a fresh VM's unattended-upgrades can take minutes) and run "
                "again, or raise docker_engine_apt_lock_timeout.",
                lock_timed_out=True,
            )
        time.sleep(LOCK_POLL_S)
        holders = lock_holders()
    if not first_holders:
        return ""
    waited = round(time.monotonic() - started)
    return f"Waited {waited} s for the dpkg lock, held by {', '.join(first_holders)}."


# A conffile the admin edited never stops a class run at dpkg's "keep or replace?" prompt
# (DEBIAN_FRONTEND covers debconf only): keep theirs, take the package's default where there is
# one, and give dpkg no terminal to ask on.
CONFFILE_OPTIONS = ["--force-confdef", "--force-confold"]


def run(argv: list[str], lock_timeout: int) -> str:
    if argv[0] == "apt-get":
        # The wait above can race with another apt starting: apt then waits on its own.
        command = [argv[0], "-o", f"DPkg::Lock::Timeout={lock_timeout}"]
        command += [f"-o=Dpkg::Options::={option}" for option in CONFFILE_OPTIONS]
        command += argv[1:]
    else:
        command = [argv[0], *CONFFILE_OPTIONS, *argv[1:]] if argv[0] == "dpkg" else argv
    result = subprocess.run(
        command,
        capture_output=True,
        stdin=subprocess.DEVNULL,
        text=True,
        env={**os.environ, **ENVIRONMENT},
        check=False,
    )
    output = result.stdout + result.stderr
    if result.returncode != 0:
        errors = [line for line in output.splitlines() if line.startswith(("E:", "dpkg:"))]
        raise AptError(
            f"{' '.join(argv)} failed (exit {result.returncode}): {' '.join(errors) or output[-2000:]}",
            output,
        )
    return output


def changes(output: str) -> bool:
    summary = SUMMARY.search(output)
    not_fully = NOT_FULLY.search(output)
    counted = sum(map(int, summary.groups())) if summary else 0
    return counted > 0 or (not_fully is not None and int(not_fully.group(1)) > 0)


def simulate(install: list[str], remove: list[str]) -> tuple[bool, str]:
    """What apt would do, from apt itself where it can resolve the names, else the names."""
    words = []
    for verb, names in (("install", install), ("remove", remove)):
        if not names:
            continue
        result = subprocess.run(
            ["apt-get", "--simulate", verb, *names],
            capture_output=True,
            text=True,
            env={**os.environ, **ENVIRONMENT},
            check=False,
        )
        if result.returncode == 0:
            acted = re.findall(r"^(?:Inst|Remv) (\S+)", result.stdout, re.MULTILINE)
            if acted:
                words.append(f"Would {verb}: {', '.join(acted)}")
        else:
            # A repository this run has not written yet: apt cannot know these names so far.
            words.append(f"Would {verb}: {', '.join(names)}")
    return bool(words), "\n".join(words)


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "install": {"type": "list", "elements": "str", "default": []},
            "remove": {"type": "list", "elements": "str", "default": []},
            "update": {"type": "bool", "default": False},
            "repair": {"type": "bool", "default": False},
            "lock_timeout": {"type": "int", "default": 600},
            "hint": {"type": "str", "default": ""},
            "start_unit": {"type": "str", "default": ""},
            "wait_command": {"type": "list", "elements": "str", "default": []},
            "wait_seconds": {"type": "int", "default": 30},
        },
        required_by={"start_unit": "wait_command"},
        supports_check_mode=True,
    )
    params = module.params
    if module.check_mode:
        would, report = simulate(params["install"], params["remove"])
        if params["repair"]:
            would, report = True, "\n".join(filter(None, ["Would run dpkg --configure -a", report]))
        module.exit_json(
            changed=would, stdout="", lock_timed_out=False, msg=report, diff={"prepared": report}
        )
    outputs = []
    changed = False
    try:
        waited = wait_for_locks(params["lock_timeout"])
        if waited:
            module.warn(waited)
        if params["repair"]:
            outputs.append(run(["dpkg", "--configure", "-a"], params["lock_timeout"]))
            changed = True
        if params["update"]:
            outputs.append(run(["apt-get", "update"], params["lock_timeout"]))
        for verb, names in (("remove", params["remove"]), ("install", params["install"])):
            if names:
                output = run(["apt-get", "--yes", verb, *names], params["lock_timeout"])
                outputs.append(output)
                changed = changed or changes(output)
    except AptError as error:
        module.fail_json(
            msg=" ".join(
                filter(None, [str(error), params["hint"] if not error.lock_timed_out else ""])
            ),
            stdout="\n".join([*outputs, error.output]),
            lock_timed_out=error.lock_timed_out,
        )
    answer = {}
    if params["start_unit"]:
        try:
            started, printed = start_and_wait(
                params["start_unit"], params["wait_command"], params["wait_seconds"]
            )
        except NotAnswering as error:
            module.fail_json(
                msg=str(error),
                changed=True,
                stdout="\n".join(outputs),
                lock_timed_out=False,
                not_answering=True,
            )
        changed, answer = changed or started, {"answer": printed}
    module.exit_json(changed=changed, stdout="\n".join(outputs), lock_timed_out=False, **answer)


if __name__ == "__main__":
    main()
