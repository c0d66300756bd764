"""A student allowed `sudo nslab-experiment` and nothing else gets nothing but the experiment.

One real Debian 12 host of the test bed, converged by playbooks/lab.yml with
namespace_lab_students_sudo set; a real unprivileged account in that group; real sudo (no
password, the role's rule only). Each test plays one attack as that student and checks, as root,
that it got nothing: planted code does not run as root (its proof file never appears in /etc),
planted links and chosen paths get no byte written, chosen images do not run.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from docker.models.containers import Container
from docker_engine_host import changed_tasks, lab, sh

from lab.testing import Testbed

pytestmark = pytest.mark.molecule

GROUP = "students"
STUDENT = "alice"
OTHER_STUDENT = "bob"
COMMAND = "/usr/local/bin/nslab-experiment"
SUDOERS = "/etc/sudoers.d/nslab-experiment"
RULE_TASK = (
    "namespace_lab : Allow the students' group the students' command through sudo, and nothing else"
)


def as_student(host: Container, script: str, user: str = STUDENT) -> tuple[int, str]:
    """`script` in a login shell of `user` (its own environment and groups, as after ssh)."""
    result = host.exec_run(["runuser", "-l", user, "-c", script])
    return result.exit_code, result.output.decode(errors="replace")


def exists(host: Container, path: str) -> bool:
    return host.exec_run(["test", "-e", path]).exit_code == 0


def payload(proof: str) -> str:
    """Python that leaves a proof of who ran it, where only root can write."""
    return f"import os; open({proof!r}, 'w').write(str(os.geteuid()))\n"


def ran_and_handed_over(host: Container, code: int, output: str, directory: str) -> None:
    """The experiment ran (0: as expected, 1: a difference, both results) and the student owns
    the report it wrote, real files, none half-written."""
    assert code in (0, 1), output
    listing = sh(host, f"cd {directory} && stat -c '%U:%G %F %n' report.* .[!.]* 2>/dev/null; true")
    assert sorted(listing.splitlines()) == [
        f"{STUDENT}:{STUDENT} regular file report.{fmt}" for fmt in ("html", "json", "md")
    ], listing


@pytest.fixture(scope="module")
def student(host: Container, testbed: Testbed, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The host converged with the students' sudo rule, and a student account in that group."""
    run = lab(host, tmp_path_factory.mktemp("converge"), testbed, namespace_lab_students_sudo=GROUP)
    assert run.returncode == 0, run.output
    print(f"converge: {run.seconds:.1f} s")
    sh(host, f"useradd -m -s /bin/sh -G {GROUP} {STUDENT} && useradd -m -s /bin/sh {OTHER_STUDENT}")
    return STUDENT


def test_the_student_runs_the_experiment_and_gets_the_report(host: Container, student: str) -> None:
    code, output = as_student(host, f"mkdir plain && cd plain && sudo -n {COMMAND}")
    ran_and_handed_over(host, code, output, f"/home/{student}/plain/nslab-report")


def test_the_rule_allows_the_command_and_nothing_else(host: Container, student: str) -> None:
    assert as_student(host, "sudo -n nslab-experiment --help")[0] == 0
    for other in (
        "id",
        "-u nobody nslab-experiment --help",
        "-i",
        "-s",
        "sh -c id",
        "-e /etc/shadow",
    ):
        code, output = as_student(host, f"sudo -n {other}")
        assert code != 0, (other, output)
    listing = as_student(host, "sudo -n -l")[1]
    allowed = listing.split("may run the following commands", 1)[1].splitlines()[1:]
    assert [line.strip() for line in allowed if line.strip()] == [f"(root) NOPASSWD: {COMMAND}"]
    assert sh(host, f"stat -c '%U:%G %a' {SUDOERS}").strip() == "root:root 440"
    sh(host, "visudo -c >/dev/null")


def test_code_planted_in_the_current_directory_does_not_run(host: Container, student: str) -> None:
    proof = "/etc/nslab-proof-cwd"
    # What `python3 -m lab` would import first from the directory it runs in.
    plant = " && ".join(
        f"printf %s {shlex.quote(payload(proof))} > {module}"
        for module in (
            "lab/__init__.py",
            "lab/__main__.py",
            "lab/experiment/__init__.py",
            "lab/experiment/students.py",
        )
    )
    code, output = as_student(
        host, f"mkdir -p cwd/lab/experiment && cd cwd && {plant} && sudo -n {COMMAND}"
    )
    assert not exists(host, proof), output
    ran_and_handed_over(host, code, output, f"/home/{student}/cwd/nslab-report")


def test_python_variables_do_nothing(host: Container, student: str) -> None:
    proof = "/etc/nslab-proof-env"
    site = "ub/lib/python3.11/site-packages"
    plant = (
        f"mkdir -p env/{site} env/path/lab && cd env && "
        f"printf %s {shlex.quote(payload(proof))} > {site}/usercustomize.py && "
        f"printf %s {shlex.quote(payload(proof).replace(chr(10), ''))} > {site}/nslab.pth && "
        f"printf %s {shlex.quote(payload(proof))} > path/lab/__init__.py && "
        f"printf %s {shlex.quote(payload(proof))} > path/sitecustomize.py"
    )
    variables = "PYTHONUSERBASE=$PWD/ub PYTHONPATH=$PWD/path"
    assert as_student(host, plant)[0] == 0
    # The role's rule keeps no environment: asking for it is refused.
    for asked in (f"export {variables} && sudo -n -E {COMMAND}", f"sudo -n {variables} {COMMAND}"):
        code, output = as_student(host, f"cd env && {asked}")
        assert code != 0 and "not allowed" in output, output
    # An administrator who lets these variables through sudo gains the students nothing either.
    lax = "/etc/sudoers.d/zz-lax"
    sh(host, f"echo 'Defaults env_keep += \"PYTHONUSERBASE PYTHONPATH HOME\"' > {lax}")
    try:
        code, output = as_student(host, f"cd env && export {variables} && sudo -n {COMMAND}")
    finally:
        sh(host, f"rm -f {lax}")
    assert not exists(host, proof), output
    ran_and_handed_over(host, code, output, f"/home/{student}/env/nslab-report")


def test_links_planted_for_the_report_files_get_nothing(host: Container, student: str) -> None:
    victims = {
        "report.json.partial": "/etc/nslab-victim-partial",
        "report.md": "/etc/nslab-victim-md",
    }
    for victim in victims.values():
        sh(host, f"echo root-owned > {victim}")
    links = " && ".join(
        f"ln -s {victim} links/nslab-report/{name}" for name, victim in victims.items()
    )
    code, output = as_student(
        host, f"mkdir -p links/nslab-report && {links} && cd links && sudo -n {COMMAND}"
    )
    for victim in victims.values():
        assert sh(host, f"cat {victim}") == "root-owned\n", output
    # The planted links were replaced by the student's own files, never written through.
    directory = f"/home/{student}/links/nslab-report"
    sh(host, f"rm {directory}/report.json.partial")
    ran_and_handed_over(host, code, output, directory)


def test_a_linked_report_directory_gets_nothing(host: Container, student: str) -> None:
    sh(host, "mkdir -p /etc/nslab-victim-dir")
    code, output = as_student(
        host,
        "mkdir linkdir && ln -s /etc/nslab-victim-dir linkdir/nslab-report && "
        f"cd linkdir && sudo -n {COMMAND}",
    )
    assert code == 2 and "directory you own" in output, output
    assert sh(host, "ls -A /etc/nslab-victim-dir") == ""


def test_an_output_dir_the_student_does_not_own_is_refused(host: Container, student: str) -> None:
    before = sh(host, "sha256sum /var/lib/nslab/report/report.json")
    shared = f"/home/{OTHER_STUDENT}/shared"  # another student's, open to all (mode 1777)
    sh(
        host,
        f"mkdir -m 1777 {shared} && chown {OTHER_STUDENT}: {shared}",
    )
    for directory in (
        "/var/lib/nslab/report",
        "/etc/nslab-chosen",
        f"/home/{OTHER_STUDENT}/shared",
    ):
        code, output = as_student(host, f"sudo -n {COMMAND} --output-dir {directory}")
        assert code == 2 and "nslab-experiment:" in output, (directory, output)
    assert sh(host, "sha256sum /var/lib/nslab/report/report.json") == before
    assert not exists(host, "/etc/nslab-chosen")
    assert sh(host, f"ls -A /home/{OTHER_STUDENT}/shared") == ""


def test_an_image_other_than_the_classs_is_refused(
    host: Container, student: str, testbed: Testbed
) -> None:
    # An image the host has (Docker would run it), not the class's, in the scenario that shares
    # the host's PID namespace (what `--scenario all` includes).
    sh(host, f"docker tag {testbed.lab_image} nslab-other:1")
    code, output = as_student(
        host,
        f"mkdir image && cd image && sudo -n {COMMAND} --image nslab-other:1 --scenario pid-host",
    )
    assert code == 2 and "class's image" in output, output
    assert not exists(host, f"/home/{student}/image/nslab-report")


def test_an_image_archive_is_refused(host: Container, student: str) -> None:
    code, output = as_student(
        host, f"mkdir archive && cd archive && sudo -n {COMMAND} --image-archive /etc/shadow"
    )
    assert code == 2 and "unrecognized arguments: --image-archive" in output, output
    assert not exists(host, f"/home/{student}/archive/nslab-report")


def test_the_rule_is_converged_repaired_and_reset(
    host: Container, student: str, testbed: Testbed, tmp_path: Path
) -> None:
    # A removed rule is written again, and nothing else changes (the rest of a re-run stays at 0
    # changed: the rule's probe costs a converged host nothing more).
    sh(host, f"rm {SUDOERS}")
    repaired = lab(host, tmp_path, testbed, namespace_lab_students_sudo=GROUP)
    assert repaired.returncode == 0 and changed_tasks(repaired) == [RULE_TASK], repaired.output
    assert as_student(host, f"sudo -n {COMMAND} --help")[0] == 0
    reset = lab(host, tmp_path, testbed, playbook="playbooks/reset.yml")
    assert reset.returncode == 0, reset.output
    assert not exists(host, SUDOERS)
    assert as_student(host, f"sudo -n {COMMAND} --help")[0] != 0
