"""Run the docker_engine role on a test-bed host container and read that host's state.

Shared by the docker_engine tests: an inventory for one host reached through the
community.docker.docker connection, ansible-playbook from a chosen installation (the venv's
ansible-core 2.19 or Debian's /usr/bin 2.14), and snapshots that show whether a run changed
the host.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from docker.models.containers import Container

from lab.testing import Testbed

PROJECT_DIR = Path(__file__).resolve().parents[2]
DOCKER_PLAYBOOK = PROJECT_DIR / "playbooks" / "docker.yml"
RESET_PLAYBOOK = PROJECT_DIR / "playbooks" / "reset.yml"
VENV_ANSIBLE = Path(sys.executable).parent  # the controller's ansible-core 2.19


# What Docker's docs today (docs.docker.com/engine/install/debian) write to docker.sources: their
# heredoc as printed, run on the host with `.format(url=<base URL>)`.
DOCS_SOURCES_HEREDOC = """\
cat <<EOF
Types: deb
URIs: {url}/linux/debian
Suites: $(. /etc/os-release && echo "$VERSION_CODENAME")
Components: stable
Signed-By: /etc/apt/keyrings/docker.asc
EOF
"""


@dataclass(frozen=True)
class PlaybookRun:
    returncode: int
    output: str
    seconds: float

    @property
    def text(self) -> str:
        """The output with line wrapping undone, for matching messages."""
        return " ".join(self.output.split())


def run_playbook(
    host: Container,
    playbook: Path,
    workdir: Path,
    extra_vars: dict[str, object],
    *,
    ansible_bin: Path,
    check: bool = False,
    timeout: float | None = None,
) -> PlaybookRun:
    inventory = workdir / "inventory.yml"
    inventory.write_text(
        json.dumps(
            {
                # In lab_vms, the class's group, so the class playbooks (reset.yml) find it too.
                "all": {
                    "children": {
                        "lab_vms": {
                            "hosts": {
                                host.name: {
                                    "ansible_connection": "community.docker.docker",
                                    "ansible_user": "root",
                                }
                            }
                        }
                    }
                }
            }
        )
    )
    variables = workdir / "vars.json"
    variables.write_text(json.dumps(extra_vars))
    command = [
        str(ansible_bin / "ansible-playbook"),
        "-i",
        str(inventory),
        "-e",
        f"@{variables}",
        str(playbook),
    ]
    if check:
        command += ["--check", "--diff"]
    env = {
        **os.environ,
        "PATH": f"{ansible_bin}:{os.environ['PATH']}",
        "ANSIBLE_CONFIG": str(PROJECT_DIR / "ansible.cfg"),
        "ANSIBLE_NOCOLOR": "1",
    }
    started = time.monotonic()
    result = subprocess.run(
        command,
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,  # a run that hangs fails the test instead of holding the suite
    )
    return PlaybookRun(result.returncode, result.stdout + result.stderr, time.monotonic() - started)


def lab(
    host: Container,
    workdir: Path,
    testbed: Testbed,
    ansible_bin: Path = VENV_ANSIBLE,
    playbook: str = "playbooks/lab.yml",
    tags: str = "",
    **variables: object,
) -> PlaybookRun:
    """`ansible-playbook playbooks/lab.yml` (or `playbook`, only `tags` when given) for a class of
    this one host, with the test bed's variables and `variables`."""
    inventory = workdir / "class.json"
    inventory.write_text(
        json.dumps(
            {
                "lab_vms": {
                    "hosts": {
                        host.name: {
                            "ansible_connection": "community.docker.docker",
                            "ansible_user": "root",
                        }
                    },
                    "vars": {**testbed.role_variables(), **variables},
                }
            }
        )
    )
    started = time.monotonic()
    result = subprocess.run(
        [
            str(ansible_bin / "ansible-playbook"),
            "-i",
            str(inventory),
            "-e",
            f"namespace_lab_reports_dir={workdir / 'reports'}",
            *(["--tags", tags] if tags else []),
            playbook,
        ],
        cwd=PROJECT_DIR,
        env={**os.environ, "PATH": f"{ansible_bin}:{os.environ['PATH']}", "ANSIBLE_NOCOLOR": "1"},
        capture_output=True,
        text=True,
        check=False,
    )
    return PlaybookRun(result.returncode, result.stdout + result.stderr, time.monotonic() - started)


def changed_tasks(run: PlaybookRun) -> list[str]:
    return [
        name
        for block in run.output.split("TASK [")[1:]
        for name, _, body in [block.partition("]")]
        if re.search(r"^changed: \[", body, re.MULTILINE)
    ]


def converge(host: Container, workdir: Path, role_vars: dict[str, object]) -> PlaybookRun:
    """playbooks/docker.yml on `host` with the controller's Ansible."""
    run = run_playbook(host, DOCKER_PLAYBOOK, workdir, role_vars, ansible_bin=VENV_ANSIBLE)
    print(f"converge: {run.seconds:.1f} s")
    return run


def ansible_version(ansible_bin: Path) -> str:
    """ansible-core's version as `ansible-playbook --version` reports it, e.g. 2.14.18."""
    result = subprocess.run(
        [str(ansible_bin / "ansible-playbook"), "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    first_line = result.stdout.splitlines()[0]  # ansible-playbook [core 2.14.18]
    return first_line.split("core ", 1)[1].rstrip("]")


def sh(host: Container, script: str) -> str:
    result = host.exec_run(["sh", "-c", script], environment={"LC_ALL": "C"})
    output = result.output.decode(errors="replace")
    assert result.exit_code == 0, output
    return output


def apt_configuration(host: Container) -> str:
    """Every path under /etc/apt with its mode and content hash: equal means apt is unchanged."""
    return sh(
        host,
        "{ find /etc/apt -printf '%p %m %y\\n'; find /etc/apt -type f -exec sha256sum {} +; }"
        " | sort",
    )


def host_state(host: Container) -> str:
    """What a check run must leave alone: /etc, the installed packages, running services."""
    return sh(
        host,
        "{ find /etc -xdev -type f -exec sha256sum {} +; find /etc -xdev -printf '%p %m %y\\n';"
        " dpkg-query -W; ls /var/lib/apt/lists; } | sort",
    )
