"""playbooks/lab.yml on a converged host: the namespace_lab part of a re-run is the probe, the
experiment and the report coming home, and nothing else; a host that drifted is repaired by the
next run with exactly the step that fixes it (changed, that task named).

One host, in file order: the first test converges it, each later one breaks one thing and
converges again; a converged host re-runs at changed=0 between the cases (Debian 12's
ansible-core 2.14 too, which renders the students' command to the same bytes).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from docker.models.containers import Container
from docker_engine_host import VENV_ANSIBLE, PlaybookRun, changed_tasks, lab, sh

from lab.testing import Testbed

pytestmark = pytest.mark.molecule

PROJECT_DIR = Path(__file__).resolve().parents[2]
DEBIAN_ANSIBLE = Path("/usr/bin")
# What a converged host runs of the role, besides the controller's own steps.
RERUN_TASKS = [
    "Look at the host and decide what the lab still needs there (read-only)",
    "Run the two-container namespace experiment",
    "Show the experiment's verdict (or why it could not run)",
    "Fetch the report to the controller",
]


def host_part(run: PlaybookRun, host: str, status: str) -> list[str]:
    """The role's main tasks (names) in which `host` ended with `status` (ok, changed): from its
    argument check to the end of the role, without the controller's and the summary's tasks."""
    names, inside = [], False
    for block in run.output.split("TASK [")[1:]:
        name, _, body = block.partition("]")
        if name.startswith("namespace_lab : Validating arguments against arg spec 'main'"):
            inside = True
            continue
        inside = inside and name.startswith("namespace_lab : ")
        if inside and re.search(rf"^{status}: \[{re.escape(host)}\]", body, re.MULTILINE):
            names.append(name.removeprefix("namespace_lab : "))
    return names


def assert_converged(
    host: Container, workdir: Path, testbed: Testbed, ansible_bin: Path = VENV_ANSIBLE
) -> None:
    run = lab(host, workdir, testbed, ansible_bin)
    assert run.returncode == 0, run.output
    assert re.search(rf"{re.escape(host.name)}\s+: ok=\d+\s+changed=0 ", run.output), run.output
    # The host part of a re-run: the probe, the experiment and its report, nothing else.
    assert host_part(run, host.name, "ok") == RERUN_TASKS, run.output
    assert (workdir / "reports" / host.name / "report.json").is_file()


def assert_repaired_by(run: PlaybookRun, *tasks: str) -> None:
    assert run.returncode == 0, run.output
    assert changed_tasks(run) == [f"namespace_lab : {task}" for task in tasks], run.output


def test_converges_then_reruns_with_only_the_probe_and_the_experiment(
    host: Container, testbed: Testbed, tmp_path: Path
) -> None:
    run = lab(host, tmp_path, testbed)
    assert run.returncode == 0, run.output
    assert_converged(host, tmp_path, testbed)


def test_an_edited_lab_file_is_unpacked_again(
    host: Container, testbed: Testbed, tmp_path: Path
) -> None:
    sh(host, "echo '# edited' >> /opt/nslab/lab/experiment/__init__.py")
    run = lab(host, tmp_path, testbed)
    assert_repaired_by(run, "Unpack the lab package on the host")
    assert "# edited" not in sh(host, "cat /opt/nslab/lab/experiment/__init__.py")
    assert_converged(host, tmp_path, testbed)


def test_an_edited_students_command_is_written_again(
    host: Container, testbed: Testbed, tmp_path: Path
) -> None:
    command = "/usr/local/bin/nslab-experiment"
    sh(host, f"""sed -i 's/lang="en"/lang="ja"/' {command} && chmod 0700 {command}""")
    run = lab(host, tmp_path, testbed)
    assert_repaired_by(run, "Install the students' command (nslab-experiment)")
    assert 'lang="en"' in sh(host, f"cat {command}")
    assert sh(host, f"stat -c %a {command}").strip() == "755"
    assert_converged(host, tmp_path, testbed)


def test_a_removed_image_is_loaded_again(host: Container, testbed: Testbed, tmp_path: Path) -> None:
    sh(host, f"docker image rm {testbed.lab_image} >/dev/null")
    run = lab(host, tmp_path, testbed)
    assert_repaired_by(
        run,
        "Copy the image archive to the host",
        "Load the image archive",
        "Remove the image archive from the host",
    )
    sh(host, f"docker image inspect {testbed.lab_image} >/dev/null")
    assert_converged(host, tmp_path, testbed)


def test_a_removed_package_is_installed_again(
    host: Container, testbed: Testbed, tmp_path: Path
) -> None:
    sh(host, "dpkg --remove python3-docker >/dev/null")
    run = lab(host, tmp_path, testbed)
    assert_repaired_by(run, "Install python3, python3-docker and util-linux from Debian")
    sh(
        host,
        "dpkg-query --show --showformat='${db:Status-Status}' python3-docker | grep -qx installed",
    )
    # No python3-apt bootstrap: the packages are installed with apt-get, as Docker's steps do.
    assert "python3-apt" not in sh(host, "dpkg-query --show --showformat='${Package}\\n'")
    assert_converged(host, tmp_path, testbed)


def test_debian_12s_ansible_finds_the_converged_host_unchanged(
    host: Container, testbed: Testbed, tmp_path: Path
) -> None:
    assert_converged(host, tmp_path, testbed, DEBIAN_ANSIBLE)
