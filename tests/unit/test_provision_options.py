"""Ansible's options through `nslab provision`: what reaches ansible-playbook, and bad input.

Bad input is checked by the real CLI in a subprocess, with a closed port as the only host: one
`nslab:` line, exit 2, no run directory, before any connection. Vault files are made with the
real ansible-vault.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from lab.provision.config import ProvisionRequest, build_config
from lab.provision.options import (
    AnsibleOptions,
    Passwords,
    ask_passwords,
    playbook_arguments,
    prompt_answers,
)
from lab.provision.secrets import REDACTED, Redactor, redact_url_userinfo
from lab.summary.outcome import class_docker_source

REPO = Path(__file__).resolve().parents[2]
VAULT = str(Path(sys.executable).parent / "ansible-vault")


@pytest.fixture
def inventory(tmp_path: Path) -> Path:
    """One class machine whose SSH port is closed: connecting to it would be refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    key = tmp_path / "key"
    key.write_text("not a key, never used\n")
    path = tmp_path / "class.ini"
    path.write_text(
        f"[lab_vms]\nvm1 ansible_host=127.0.0.1 ansible_port={port}"
        f" ansible_ssh_private_key_file={key}\n"
    )
    return path


def vault_file(tmp_path: Path, name: str, text: str, password: str) -> Path:
    password_file = tmp_path / f"{name}.pass"
    password_file.write_text(password + "\n")
    path = tmp_path / name
    path.write_text(text)
    subprocess.run(
        [VAULT, "encrypt", "--vault-password-file", str(password_file), str(path)],
        check=True,
        capture_output=True,
    )
    return path


def refused(project: Path, *argv: str, stdin: str = "") -> str:
    done = subprocess.run(
        [sys.executable, "-m", "lab", "provision", "--project", str(project), *argv],
        input=stdin,
        capture_output=True,
        text=True,
        start_new_session=True,  # no terminal: typed passwords come from stdin
        check=False,
        timeout=120,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    lines = [line for line in done.stderr.splitlines() if not line.endswith("password: ")]
    assert len(lines) == 1 and lines[0].startswith("nslab: "), done.stderr
    assert not (project / "runs").exists(), "nothing may run on bad input"
    return lines[0]


def test_missing_vars_file(project: Path, inventory: Path, tmp_path: Path) -> None:
    line = refused(project, "-i", str(inventory), "-e", f"@{tmp_path / 'nope.yml'}")
    assert "nope.yml: cannot read it" in line and "check the path" in line


def test_unreadable_vars_file(project: Path, inventory: Path, tmp_path: Path) -> None:
    folder = tmp_path / "vars"
    folder.mkdir()
    line = refused(project, "-i", str(inventory), "-e", f"@{folder}")
    assert "cannot read it" in line


def test_vaulted_vars_file_without_a_password(
    project: Path, inventory: Path, tmp_path: Path
) -> None:
    secret = vault_file(tmp_path, "secret.yml", "docker_engine_http_proxy: x\n", "right")
    line = refused(project, "-i", str(inventory), "-e", f"@{secret}")
    assert "encrypted with Ansible Vault" in line and "--ask-vault-pass" in line


def test_wrong_vault_password_file(project: Path, inventory: Path, tmp_path: Path) -> None:
    secret = vault_file(tmp_path, "secret.yml", "docker_engine_http_proxy: x\n", "right")
    wrong = tmp_path / "wrong.pass"
    wrong.write_text("wrong\n")
    line = refused(
        project, "-i", str(inventory), "-e", f"@{secret}", "--vault-password-file", str(wrong)
    )
    assert "does not decrypt it" in line


def test_wrong_typed_vault_password(project: Path, inventory: Path, tmp_path: Path) -> None:
    secret = vault_file(tmp_path, "secret.yml", "docker_engine_http_proxy: x\n", "right")
    line = refused(
        project, "-i", str(inventory), "-e", f"@{secret}", "--ask-vault-pass", stdin="wrong\n"
    )
    assert "does not decrypt it" in line


def test_wrong_vault_password_for_a_vaulted_inventory_variable(
    project: Path, inventory: Path, tmp_path: Path
) -> None:
    group_vars = inventory.parent / "group_vars"
    group_vars.mkdir()
    vault_file(group_vars, "lab_vms.yml", "ansible_become_password: s3cret\n", "right")
    wrong = tmp_path / "wrong.pass"
    wrong.write_text("wrong\n")
    line = refused(project, "-i", str(inventory), "--vault-password-file", str(wrong))
    assert "cannot read inventory" in line and "Decryption failed" in line


def test_missing_vault_password_file(project: Path, inventory: Path, tmp_path: Path) -> None:
    line = refused(
        project, "-i", str(inventory), "--vault-password-file", str(tmp_path / "nope.pass")
    )
    assert "nope.pass: no such file" in line


def test_inventory_without_the_playbooks_group(project: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.ini"
    other.write_text("[webservers]\nweb1 ansible_connection=local\n")
    line = refused(project, "-i", str(other))
    assert "has no host in lab_vms" in line and "[lab_vms]" in line


def test_project_that_is_not_a_project(inventory: Path, tmp_path: Path) -> None:
    line = refused(tmp_path / "elsewhere", "-i", str(inventory))
    assert "is not an nslab project (no ansible.cfg there)" in line
    assert "leave --project out" in line


def test_every_kind_of_extra_vars(project: Path, inventory: Path, tmp_path: Path) -> None:
    plain = tmp_path / "plain.yml"
    plain.write_text("docker_engine_users: [alice]\ndocker_engine_channel: test\n")
    secret = vault_file(
        tmp_path, "secret.yml", "docker_engine_https_proxy: http://u:vaultpw@p:3128\n", "right"
    )
    password_file = tmp_path / "secret.yml.pass"
    config = build_config(
        ProvisionRequest(
            project_dir=project,
            inventory=inventory,
            extravars=[
                f"@{plain}",
                '{"docker_engine_channel": "stable", "docker_engine_version": "5:27.*"}',
                "docker_engine_apt_proxy=http://cache:3142 docker_engine_download_retries=5",
                f"@{secret}",
            ],
            options=AnsibleOptions(vault_password_files=(password_file,)),
        )
    )
    variables = config.extravars
    assert variables["docker_engine_users"] == ["alice"]
    assert variables["docker_engine_channel"] == "stable", "a later -e wins"
    assert variables["docker_engine_download_retries"] == 5
    assert variables["docker_engine_apt_proxy"] == "http://cache:3142"
    assert variables["docker_engine_https_proxy"] == "http://u:vaultpw@p:3128"
    assert "vaultpw" in config.secret_values
    files = [source.file for source in config.extravars_sources]
    assert files == [plain.resolve(), None, None, secret.resolve()]
    assert config.docker_source == "download.docker.com"


def test_options_become_ansible_playbook_words() -> None:
    options = AnsibleOptions(
        user="teacher",
        private_key=Path("/k"),
        tags=("docker",),
        skip_tags=("experiment", "summary"),
        diff=True,
    )
    words = playbook_arguments(options, Passwords(ssh="s", become="b"), check=False)
    assert words == [
        "--user", "teacher", "--private-key", "/k", "--ask-pass", "--ask-become-pass",
        "--tags", "docker", "--skip-tags", "experiment,summary", "--diff",
    ]  # fmt: skip
    assert playbook_arguments(AnsibleOptions(), Passwords(), check=True) == ["--check", "--diff"]


def test_passwords_are_asked_in_ansibles_order() -> None:
    asked: list[str] = []

    def answer(prompt: str) -> str:
        asked.append(prompt)
        return "" if prompt.startswith("BECOME") else prompt.split()[0].lower()

    options = AnsibleOptions(ask_pass=True, ask_become_pass=True, ask_vault_pass=True)
    passwords = ask_passwords(options, answer)
    assert asked == [
        "SSH password: ",
        "BECOME password[defaults to SSH password]: ",
        "Vault password: ",
    ]
    assert (passwords.ssh, passwords.become, passwords.vault) == ("ssh", "ssh", "vault")
    assert set(prompt_answers(passwords).values()) == {"ssh"}


def test_url_credentials_are_blanked() -> None:
    assert (
        redact_url_userinfo("HTTP_PROXY=http://u:p%40ss@proxy:3128 and https://tok3n@host/x")
        == f"HTTP_PROXY=http://u:{REDACTED}@proxy:3128 and https://{REDACTED}@host/x"
    )
    assert redact_url_userinfo("http://proxy:3128 user@host") == "http://proxy:3128 user@host"


def test_redactor_blanks_names_values_and_urls(tmp_path: Path) -> None:
    redactor = Redactor(["typed-secret", "ok"])
    event = {
        "event_data": {
            "res": {"ansible_become_password": "x", "msg": "got typed-secret, ok"},
            "stdout": "proxy http://a:b@c",
        }
    }
    redactor.data_in_place(event)
    assert event == {
        "event_data": {
            "res": {"ansible_become_password": REDACTED, "msg": f"got {REDACTED}, ok"},
            "stdout": f"proxy http://a:{REDACTED}@c",
        }
    }
    record = tmp_path / "job.json"
    record.write_text(json.dumps({"vault_password": "v", "note": "typed-secret"}))
    text = tmp_path / "stdout"
    text.write_text("typed-secret\n")
    untouched = tmp_path / "rc"
    untouched.write_text("0")
    redactor.tree(tmp_path)
    assert json.loads(record.read_text()) == {"vault_password": REDACTED, "note": REDACTED}
    assert text.read_text() == f"{REDACTED}\n"
    assert untouched.read_text() == "0"


def test_docker_source_follows_ansibles_precedence() -> None:
    hostvars = {
        "vm1": {},
        "vm2": {"docker_engine_mirror": "http://u:pw@mirror.school:8080/"},
        "vm3": {"docker_engine_install_source": "debian"},
    }
    assert class_docker_source(hostvars, {}) == (
        f"Debian's docker.io; download.docker.com; http://u:{REDACTED}@mirror.school:8080"
    )
    assert class_docker_source(hostvars, {"docker_engine_install_source": "official"}) == (
        f"download.docker.com; http://u:{REDACTED}@mirror.school:8080"
    )


def test_missing_private_key(project: Path, inventory: Path, tmp_path: Path) -> None:
    line = refused(project, "-i", str(inventory), "--private-key", str(tmp_path / "nope_ed25519"))
    assert "--private-key" in line and "nope_ed25519" in line
