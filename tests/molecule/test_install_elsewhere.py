"""nslab used outside its checkout, the two ways README's "Install elsewhere" shows.

1. The repository as the Ansible collection nslab.lab: built with `ansible-galaxy collection
   build`, installed into a fresh collections path, and docker_engine converged by its collection
   name from a directory that is not the checkout, with nothing else on Ansible's paths; re-runs
   with ansible-core 2.19 and Debian 12's 2.14 change nothing.
2. The wheel in a fresh venv: `nslab provision -i my.yml` from an empty directory, which then holds
   runs/ and reports/ (the fetched report and the class summary).

Both run on one fresh test-bed host, in this order (a converge costs a minute or two here): the
second finds Docker already installed by the first and adds the experiment.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from docker.models.containers import Container
from docker_engine_host import ansible_version

from lab.testing import Testbed

pytestmark = pytest.mark.molecule

PROJECT_DIR = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
DEBIAN_ANSIBLE = Path("/usr/bin")


def _user_env(**settings: str) -> dict[str, str]:
    """The environment of a user outside the checkout: none of the checkout's Ansible settings."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("ANSIBLE_", "NSLAB_", "MOLECULE_"))
    }
    return {**env, "ANSIBLE_NOCOLOR": "1", **settings}


def _run(command: list[str], cwd: Path, env: dict[str, str]) -> str:
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=1200
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"{' '.join(command)}\n{output}"
    return output


def _changed(output: str, host: str) -> int:
    """changed= of `host` in ansible-playbook's PLAY RECAP."""
    for line in output.splitlines():
        if line.startswith(host + " ") and "changed=" in line:
            return int(line.split("changed=")[1].split()[0])
    raise AssertionError(f"no PLAY RECAP line for {host}:\n{output}")


def _engine_answers(host: Container) -> str:
    result = host.exec_run(["docker", "version", "--format", "{{.Server.Version}}"])
    assert result.exit_code == 0, result.output.decode(errors="replace")
    return result.output.decode().strip()


def test_the_collection_installs_and_converges_docker_engine_by_its_name(
    host: Container, testbed: Testbed, tmp_path: Path
) -> None:
    built = tmp_path / "built"
    _run(
        [str(VENV_BIN / "ansible-galaxy"), "collection", "build", "--output-path", str(built)],
        PROJECT_DIR,
        _user_env(),
    )
    (tarball,) = built.glob("nslab-lab-*.tar.gz")
    collections = tmp_path / "collections"
    elsewhere = tmp_path / "site"
    elsewhere.mkdir()
    _run(
        [
            str(VENV_BIN / "ansible-galaxy"),
            "collection",
            "install",
            str(tarball),
            "-p",
            str(collections),
        ],
        elsewhere,
        _user_env(),
    )
    installed = collections / "ansible_collections" / "nslab" / "lab"
    assert (installed / "roles" / "docker_engine" / "tasks" / "main.yml").is_file()
    # The role carries the experiment's code (a link inside the collection, kept by the build).
    assert (installed / "roles" / "namespace_lab" / "files" / "lab" / "experiment").is_dir()
    assert not (installed / "tests").exists() and not (installed / "lab" / "testing").exists()

    (elsewhere / "inventory.yml").write_text(
        json.dumps(
            {"all": {"hosts": {host.name: {"ansible_connection": "community.docker.docker"}}}}
        )
    )
    (elsewhere / "vars.json").write_text(json.dumps(testbed.role_variables()))
    (elsewhere / "docker.yml").write_text(
        "- name: Install Docker Engine from the nslab.lab collection\n"
        "  hosts: all\n"
        "  gather_facts: true\n"
        "  roles:\n"
        "    - role: nslab.lab.docker_engine\n"
    )
    command = [
        str(VENV_BIN / "ansible-playbook"),
        "-i",
        "inventory.yml",
        "-e",
        "@vars.json",
        "docker.yml",
    ]
    # Only the temporary collections path: the checkout's roles/ and ansible.cfg are not seen.
    # Pipelining as a project's own ansible.cfg would set it (three converges cost less).
    env = _user_env(ANSIBLE_COLLECTIONS_PATH=str(collections), ANSIBLE_PIPELINING="True")
    first = _run(command, elsewhere, env)
    assert _changed(first, host.name) > 0, first
    assert _engine_answers(host)
    second = _run(command, elsewhere, env)
    assert _changed(second, host.name) == 0, second
    # meta/runtime.yml promises ansible-core 2.14 too: Debian 12's finds the role's module in
    # the collection as well (tests/run installs Debian's ansible).
    assert ansible_version(DEBIAN_ANSIBLE).startswith("2.14."), ansible_version(DEBIAN_ANSIBLE)
    command[0] = str(DEBIAN_ANSIBLE / "ansible-playbook")
    with_debian_ansible = _run(command, elsewhere, env)
    assert _changed(with_debian_ansible, host.name) == 0, with_debian_ansible


def test_the_wheel_provisions_a_class_from_any_directory(
    host: Container, testbed: Testbed, tmp_path: Path
) -> None:
    wheels = tmp_path / "wheels"
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "-w",
            str(wheels),
            str(PROJECT_DIR),
        ],
        tmp_path,
        _user_env(),
    )
    (wheel,) = wheels.glob("nslab-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in (
        "ansible.cfg",
        "playbooks/lab.yml",
        "plugins/modules/docker_engine_signing_key.py",
        "roles/namespace_lab/files/lab/experiment/run.py",  # the role carries its code
        "inventory/class.example.yml",
    ):
        assert f"lab/project/{name}" in names
    unwanted = [n for n in names if "/testing/" in n or "__pycache__" in n or "local.yml" in n]
    assert unwanted == []
    venv = tmp_path / "venv"
    _run(["python3", "-m", "venv", str(venv)], tmp_path, _user_env())
    _run([str(venv / "bin" / "pip"), "install", "-q", str(wheel)], tmp_path, _user_env())

    classroom = tmp_path / "classroom"
    classroom.mkdir()
    (classroom / "my.yml").write_text(
        json.dumps(
            {
                "lab_vms": {
                    "hosts": {
                        host.name: {
                            "ansible_connection": "community.docker.docker",
                            "ansible_python_interpreter": "/usr/bin/python3",
                        }
                    },
                    "vars": testbed.role_variables(),
                }
            }
        )
    )
    # As a user types it: the venv activated (its bin first on PATH), nothing else set.
    env = _user_env(PATH=f"{venv / 'bin'}:{os.environ['PATH']}")
    output = _run(["nslab", "provision", "-i", "my.yml"], classroom, env)

    reports = classroom / "reports"
    report = json.loads((reports / host.name / "report.json").read_text())
    assert report["fingerprint"]["docker"]["server_version"] == _engine_answers(host), report
    assert (reports / "index.html").is_file()
    assert f"Report: {reports / 'index.html'}" in output, output
    assert "1/1 hosts ok" in output, output
    (run,) = (classroom / "runs").iterdir()
    assert json.loads((run / "run.json").read_text())["status"] == "successful"
    # Nothing was written into the installed package.
    site = next((venv / "lib").glob("python3*/site-packages/lab/project"))
    assert not (site / "runs").exists() and not (site / "reports").exists()
