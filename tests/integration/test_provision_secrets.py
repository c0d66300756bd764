"""Secrets given to `nslab provision` stay out of every record, on the controller and the host.

A real run of playbooks/docker.yml (the docker_engine role, Docker from the stand-in) on a fresh
Debian 12 host, with a proxy password in a plain `-e`, another in a vault-encrypted `-e @file`,
a password in JSON `-e`, typed SSH and BECOME passwords (-k, -K) and --diff (which prints the
proxy drop-in).
Afterwards the whole run directory is searched for each planted secret.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import docker
import pytest
import yaml
from docker.models.containers import Container

from lab.provision.runs import RunsDir
from lab.testing import Testbed
from lab.testing.hosts import running_host

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class SecretRun:
    done: subprocess.CompletedProcess[str]
    run_dir: Path
    secrets: dict[str, str]
    host: Container


def planted(kind: str) -> str:
    return f"{kind}-{os.urandom(8).hex()}"


@pytest.fixture(scope="module")
def secret_run(
    docker_client: docker.DockerClient, testbed: Testbed, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SecretRun]:
    work = tmp_path_factory.mktemp("secrets")
    project = work / "project"
    project.mkdir()
    shutil.copy(REPO / "ansible.cfg", project / "ansible.cfg")
    for shared in ("playbooks", "roles"):
        (project / shared).symlink_to(REPO / shared)
    secrets = {
        "plain": planted("plainpw"),
        "vaulted": planted("vaultpw"),
        "json": planted("jsontoken"),
        "ssh": planted("sshpw"),
        "become": planted("becomepw"),
        "vault_password": planted("vaultkey"),
    }
    standin = work / "standin.yml"
    standin.write_text(yaml.safe_dump(testbed.role_variables()))
    vault_password_file = work / "vault-pass"
    vault_password_file.write_text(secrets["vault_password"] + "\n")
    vaulted = work / "proxy.yml"
    vaulted.write_text(
        yaml.safe_dump({"docker_engine_https_proxy": f"http://u:{secrets['vaulted']}@proxy:3128"})
    )
    subprocess.run(
        [
            Path(sys.executable).parent / "ansible-vault",
            "encrypt", "--vault-password-file", str(vault_password_file), str(vaulted),
        ],
        check=True, capture_output=True,
    )  # fmt: skip
    assert secrets["vaulted"] not in vaulted.read_text()
    with running_host(
        docker_client,
        testbed.host_image,
        f"nslab-test-secrets-{os.getpid()}",
        testbed.network,
        "provision-secrets",
    ) as host:
        inventory = work / "class.ini"
        inventory.write_text(
            f"[lab_vms]\nvm1 ansible_connection=community.docker.docker ansible_host={host.name}"
            " ansible_python_interpreter=/usr/bin/python3\n"
        )
        command = [
            sys.executable, "-m", "lab", "provision", "--project", str(project),
            "-i", str(inventory), "--playbook", "docker.yml",
            "-e", f"@{standin}",
            "-e", f"docker_engine_http_proxy=http://u:{secrets['plain']}@proxy:3128",
            "-e", f"@{vaulted}", "--vault-password-file", str(vault_password_file),
            "-e", json.dumps({"docker_engine_no_proxy": "lo", "ansible_password": secrets["json"]}),
            # The docker connection runs as root and cannot answer sudo's prompt itself, so
            # the typed passwords are handed to ansible-playbook and become is not used.
            "-k", "-K", "-e", "ansible_become=false", "--diff",
            "-u", "root", "--skip-tags", "nslab-test-unused",
        ]  # fmt: skip
        done = subprocess.run(
            command,
            input=f"{secrets['ssh']}\n{secrets['become']}\n",
            capture_output=True,
            text=True,
            timeout=900,
            # No controlling terminal: the BECOME password is read from stdin, as in a script.
            start_new_session=True,
            check=False,
        )
        runs = RunsDir(project / "runs").runs()
        assert len(runs) == 1, done.stdout + done.stderr
        run = runs[0]
        yield SecretRun(done, run.path, secrets, host)


def test_the_run_used_every_secret(secret_run: SecretRun) -> None:
    """The secrets really went through the run: it succeeded and the host has the proxy."""
    done = secret_run.done
    assert done.returncode == 0, done.stdout + done.stderr
    # The engine's own environment (root reads it): systemd does not publish the proxy's.
    exit_code, output = secret_run.host.exec_run(
        ["sh", "-c", "tr '\\0' '\\n' < /proc/$(systemctl show -p MainPID --value docker)/environ"]
    )
    assert exit_code == 0
    environment = output.decode()
    assert f"u:{secret_run.secrets['plain']}@proxy" in environment
    assert f"u:{secret_run.secrets['vaulted']}@proxy" in environment


def test_no_planted_secret_in_the_run_directory(secret_run: SecretRun) -> None:
    run_dir = secret_run.run_dir
    files = [path for path in run_dir.rglob("*") if path.is_file()]
    assert any(path.name == "stdout" for path in files)
    for path in files:
        text = path.read_text(errors="replace")
        for kind, secret in secret_run.secrets.items():
            assert secret not in text, f"the {kind} secret was written to {path}"
    # What was redacted is still visibly there, so the record keeps its use.
    record = json.loads((run_dir / "run.json").read_text())
    assert record["extravars"]["docker_engine_http_proxy"] == "http://u:<redacted>@proxy:3128"
    assert record["extravars"]["ansible_password"] == "<redacted>"
    assert record["docker_source"].startswith("http://")
    # The record of the run's output is whole, line for line what the job events say.
    stdout = (run_dir / "artifacts" / run_dir.name / "stdout").read_text()
    assert "\nPLAY RECAP *" in stdout
    assert "changed: /etc/systemd/system/docker.service.d/http-proxy.conf\n" in stdout
    # --diff names the drop-in the role wrote; files that can carry credentials never show their
    # content (the role's own rule), so there is nothing to redact there.
    diffs = [
        str(json.loads(path.read_text()).get("event_data", {}).get("res", {}).get("diff", ""))
        for path in (run_dir / "artifacts" / run_dir.name / "job_events").glob("*.json")
    ]
    assert any("changed: /etc/systemd/system/docker.service.d/http-proxy.conf" in d for d in diffs)
    command = json.loads((run_dir / "artifacts" / run_dir.name / "command").read_text())
    assert {"--ask-pass", "--ask-become-pass", "--user", "--skip-tags"} <= set(command["command"])
    assert "--diff" in command["command"]
    for secret in secret_run.secrets.values():
        assert secret not in secret_run.done.stdout + secret_run.done.stderr


def test_no_world_readable_file_on_the_host_holds_a_secret(secret_run: SecretRun) -> None:
    """Host side: a file that carries a proxy password is 0600 (the docker_engine role)."""
    for kind in ("plain", "vaulted"):
        _, output = secret_run.host.exec_run(
            [
                "sh",
                "-c",
                f"find /etc -type f -perm -o=r -exec grep -l '{secret_run.secrets[kind]}' {{}} +",
            ]
        )
        assert output.decode().strip() == "", f"the {kind} proxy password is readable by all in it"
