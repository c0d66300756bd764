"""Bad input to `nslab provision` gives one actionable line before anything runs.

Inventories are resolved by the real `ansible-inventory`; nothing here starts ansible-playbook.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from lab.cli import main
from lab.provision.config import ProvisionRequest, build_config
from lab.provision.extravars import declared_variables, parse_extravars

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project with the real ansible.cfg, a playbook and one role declaring variables."""
    root = tmp_path / "project"
    (root / "playbooks").mkdir(parents=True)
    shutil.copy(REPO / "ansible.cfg", root / "ansible.cfg")
    (root / "playbooks" / "lab.yml").write_text("- name: Nothing\n  hosts: all\n  tasks: []\n")
    role = root / "roles" / "demo_role"
    (role / "defaults").mkdir(parents=True)
    (role / "meta").mkdir()
    (role / "defaults" / "main.yml").write_text("demo_role_version: '1.0'\n")
    (role / "meta" / "argument_specs.yml").write_text(
        "argument_specs:\n  main:\n    options:\n      demo_role_mirror:\n        type: str\n"
    )
    return root


def write_inventory(directory: Path, text: str) -> Path:
    path = directory / "class.ini"
    path.write_text(text)
    return path


def provision_error(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """Run the real CLI; return its stderr after checking it is one `nslab:` line, exit 2."""
    assert main(["provision", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("nslab: "), err
    assert "Traceback" not in err
    return err


def test_missing_inventory(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = provision_error(capsys, "--project", str(project), "-i", str(project / "nope.ini"))
    assert "nope.ini does not exist" in err and "-i" in err
    assert not (project / "runs").exists(), "nothing may run on bad input"


@pytest.fixture
def engine_asked(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[], int]]:
    """DOCKER_HOST at a socket where no engine answers (every connection closed unanswered,
    so nothing can be started for it); returns how often the controller's set-up asked it."""
    with tempfile.TemporaryDirectory(prefix="nslab-engine-") as directory:
        path = Path(directory) / "docker.sock"  # short: unix socket paths end at 108 bytes
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(path))
        server.listen()
        asked: list[None] = []

        def close_unanswered() -> None:
            with contextlib.suppress(OSError):  # the server closed: the test is over
                while True:
                    connection, _ = server.accept()
                    asked.append(None)
                    connection.close()

        threading.Thread(target=close_unanswered, daemon=True).start()
        monkeypatch.setenv("DOCKER_HOST", f"unix://{path}")
        yield lambda: len(asked)
        server.close()


@pytest.mark.parametrize(
    "argv, problem",
    [
        (["provision", "-i", "{dir}/nope.ini"], "nope.ini does not exist"),
        (["provision", "-i", "{dir}/class.ini", "-e", "@{dir}/vars.yml"], "vars.yml"),
    ],
)
def test_a_bad_request_is_said_before_the_controller_is_set_up(
    project: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    engine_asked: Callable[[], int],
    argv: list[str],
    problem: str,
) -> None:
    """`provision -i` asks for the controller's Docker engine (started where it is installed
    but stopped), yet bad input must change nothing: its one line comes before the set-up even
    looks for an engine, whether one runs or not."""
    write_inventory(project, "[lab_vms]\nvm1 ansible_connection=local\n")
    argv = [arg.format(dir=project) for arg in argv] + ["--project", str(project)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("nslab: ") and problem in err, err
    assert engine_asked() == 0, "the controller was set up for a request that cannot run"
    assert not (project / "runs").exists()
    # The same command line's set-up plan does ask this socket: the check above can see it.
    monkeypatch.setenv("NSLAB_SETUP_PLAN", "1")
    assert main(argv) == 0
    assert engine_asked() == 1


def test_inventory_without_hosts(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inventory = write_inventory(project, "[lab_vms]\n")
    err = provision_error(capsys, "--project", str(project), "-i", str(inventory))
    assert "defines no hosts" in err


def test_unreadable_inventory_names_ansibles_reason(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inventory = project / "class.yml"
    inventory.write_text("all: [this is not, an inventory\n")
    err = provision_error(capsys, "--project", str(project), "-i", str(inventory))
    assert "cannot read inventory" in err and "class.yml" in err


def test_limit_to_empty_group(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inventory = write_inventory(project, "[lab_vms]\nvm1 ansible_connection=local\n[spare_vms]\n")
    err = provision_error(
        capsys, "--project", str(project), "-i", str(inventory), "--limit", "spare_vms"
    )
    assert "'spare_vms' matches no host" in err and "lab_vms" in err


def test_limit_narrows_hosts(project: Path) -> None:
    inventory = write_inventory(
        project, "[lab_vms]\nvm1 ansible_connection=local\nvm2 ansible_connection=local\n"
    )
    config = build_config(ProvisionRequest(project_dir=project, inventory=inventory, limit="vm2"))
    assert config.hosts == ("vm2",)
    assert config.inventory.is_absolute() and config.playbook.is_absolute()


def test_unknown_variable_suggests_the_declared_one(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inventory = write_inventory(project, "vm1 ansible_connection=local\n")
    err = provision_error(
        capsys,
        "--project", str(project), "-i", str(inventory), "-e", "demo_role_mirorr=http://x",
    )  # fmt: skip
    assert "unknown variable 'demo_role_mirorr'" in err
    assert "did you mean 'demo_role_mirror'" in err


def test_declared_and_connection_variables_are_accepted(project: Path) -> None:
    inventory = write_inventory(project, "vm1 ansible_connection=local\n")
    config = build_config(
        ProvisionRequest(
            project_dir=project,
            inventory=inventory,
            extravars=["demo_role_version=2", "demo_role_mirror=http://m", "ansible_user=root"],
        )
    )
    assert config.extravars == {
        "demo_role_version": 2,
        "demo_role_mirror": "http://m",
        "ansible_user": "root",
    }


def test_reports_go_to_the_project_unless_an_extravar_says_otherwise(project: Path) -> None:
    """Even when playbooks/ is a symlink to another checkout (the role's own default follows the
    playbook's real path)."""
    (project / "roles" / "namespace_lab" / "defaults").mkdir(parents=True)
    (project / "roles" / "namespace_lab" / "defaults" / "main.yml").write_text(
        "namespace_lab_reports_dir: '{{ playbook_dir | dirname }}/reports'\n"
    )
    elsewhere = project.parent / "elsewhere"
    (project / "playbooks").rename(elsewhere)
    (project / "playbooks").symlink_to(elsewhere)
    inventory = write_inventory(project, "vm1 ansible_connection=local\n")
    default = build_config(ProvisionRequest(project_dir=project, inventory=inventory))
    assert default.reports_dir == project.resolve() / "reports"
    chosen = build_config(
        ProvisionRequest(
            project_dir=project,
            inventory=inventory,
            extravars=[f"namespace_lab_reports_dir={project / 'graded'}"],
        )
    )
    assert chosen.reports_dir == project / "graded"


def test_the_inventorys_reports_dir_and_language_win_over_the_wrappers_default(
    project: Path,
) -> None:
    """README puts namespace_lab_reports_dir in the inventory's group_vars: ansible-playbook
    honours it, so nslab provision must too; -e still wins over it, as in Ansible. The wrapper
    passes no -e of its own: its default reaches the role's defaults, the lowest precedence."""
    (project / "roles" / "namespace_lab" / "defaults").mkdir(parents=True)
    (project / "roles" / "namespace_lab" / "defaults" / "main.yml").write_text(
        "namespace_lab_reports_dir: /elsewhere\nnamespace_lab_lang: en\n"
    )
    inventory_dir = project / "class"
    (inventory_dir / "group_vars").mkdir(parents=True)
    (inventory_dir / "hosts.ini").write_text("[lab_vms]\nvm1 ansible_connection=local\n")
    (inventory_dir / "group_vars" / "all.yml").write_text(
        f"namespace_lab_reports_dir: {project / 'graded'}\nnamespace_lab_lang: ja\n"
    )
    from_inventory = build_config(ProvisionRequest(project_dir=project, inventory=inventory_dir))
    assert (from_inventory.reports_dir, from_inventory.lang) == (project / "graded", "ja")
    assert [source.variables for source in from_inventory.extravars_sources] == []
    from_e = build_config(
        ProvisionRequest(
            project_dir=project,
            inventory=inventory_dir,
            extravars=[f"namespace_lab_reports_dir={project / 'other'}", "namespace_lab_lang=en"],
        )
    )
    assert (from_e.reports_dir, from_e.lang) == (project / "other", "en")


def test_extravar_without_equals(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inventory = write_inventory(project, "vm1 ansible_connection=local\n")
    err = provision_error(
        capsys, "--project", str(project), "-i", str(inventory), "-e", "demo_role_version"
    )
    assert "is not key=value" in err


def test_values_are_read_as_yaml() -> None:
    assert parse_extravars(["a=true", "b=[x, y]", "c=", "d=plain text"]) == {
        "a": True,
        "b": ["x", "y"],
        "c": "",
        "d": "plain text",
    }


def test_missing_ssh_key_file(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key = project / "keys" / "class_ed25519"
    inventory = write_inventory(
        project, f"vm1 ansible_host=127.0.0.1 ansible_ssh_private_key_file={key}\n"
    )
    err = provision_error(capsys, "--project", str(project), "-i", str(inventory))
    assert f"host vm1: SSH key {key} does not exist" in err


def test_no_ssh_key_at_all(
    project: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "empty-home"))
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    monkeypatch.delenv("ANSIBLE_PRIVATE_KEY_FILE", raising=False)
    inventory = write_inventory(
        project, "vm1 ansible_host=127.0.0.1\nvm2 ansible_connection=local\n"
    )
    err = provision_error(capsys, "--project", str(project), "-i", str(inventory))
    assert "host vm1: no SSH key available" in err


def test_unknown_playbook(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inventory = write_inventory(project, "vm1 ansible_connection=local\n")
    err = provision_error(
        capsys, "--project", str(project), "-i", str(inventory), "--playbook", "docker.yml"
    )
    assert "playbook docker.yml not found" in err and "lab.yml" in err


def test_retry_failed_without_earlier_run(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inventory = write_inventory(project, "vm1 ansible_connection=local\n")
    err = provision_error(capsys, "--project", str(project), "-i", str(inventory), "--retry-failed")
    assert "no earlier run with inventory" in err


def test_play_vars_of_the_playbook_and_its_imports_are_known(project: Path) -> None:
    (project / "playbooks" / "plays").mkdir()
    (project / "playbooks" / "plays" / "cleanup.yml").write_text(
        "- name: Cleanup\n  hosts: all\n  vars:\n    cleanup_everything: false\n  tasks: []\n"
    )
    (project / "playbooks" / "reset.yml").write_text(
        "- name: Reset\n  ansible.builtin.import_playbook: plays/cleanup.yml\n"
    )
    inventory = write_inventory(project, "vm1 ansible_connection=local\n")
    config = build_config(
        ProvisionRequest(
            project_dir=project,
            inventory=inventory,
            playbook="reset.yml",
            extravars=["cleanup_everything=true"],
        )
    )
    assert config.extravars["cleanup_everything"] is True


def test_the_real_roles_declare_what_the_docs_tell_instructors_to_set() -> None:
    declared = declared_variables(REPO / "roles")
    assert {"docker_engine_mirror", "namespace_lab_image_archive"} <= declared


def test_cli_entry_point_prints_one_line_without_traceback(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "lab", "provision", "-i", str(tmp_path / "missing.yml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"nslab: inventory {tmp_path / 'missing.yml'} does not exist; pass an existing file or "
        "directory with -i (inventory/ holds an example)"
    ]


def test_default_playbook_is_the_whole_job(tmp_path: Path) -> None:
    inventory = write_inventory(tmp_path, "[lab_vms]\nvm1 ansible_connection=local\n")
    config = build_config(ProvisionRequest(project_dir=REPO, inventory=inventory))
    assert config.playbook == REPO / "playbooks" / "lab.yml"
    assert config.ansible_cfg == REPO / "ansible.cfg"
    assert config.reports_dir == REPO / "reports"
