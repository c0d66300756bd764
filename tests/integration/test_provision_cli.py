"""`nslab provision` driving ansible-runner for real, against Debian 12 host containers.

Targets: two testbed host containers reached with the community.docker.docker connection and
one inventory host whose SSH port is closed (127.0.0.1, a port nothing listens on). The CLI is
run as a subprocess, the way an instructor runs it; what ran where is read back from the run's
ansible-runner artifacts, not from our own output.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import docker
import pytest
from docker.models.containers import Container

from lab.provision.runs import RunsDir
from lab.testing import Testbed
from lab.testing.hosts import remove_host, start_host

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
PROBE = Path(__file__).parent / "playbooks" / "provision_probe.yml"
FAIL_MARKER = "/etc/nslab-test-fail"


@dataclass(frozen=True)
class Class:
    project: Path
    inventory: Path
    hosts: dict[str, Container]
    key: Path


def closed_port() -> int:
    """A loopback port nothing listens on: bound, then released, so connecting is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def hosts(docker_client: docker.DockerClient, testbed: Testbed) -> Iterator[dict[str, Container]]:
    started: dict[str, Container] = {}
    try:
        for name in ("vm1", "vm2"):
            started[name] = start_host(
                docker_client,
                testbed.host_image,
                name=f"nslab-test-provision-{name}-{os.getpid()}",
                network=testbed.network,
                purpose="provision",
            )
        yield started
    finally:
        for container in started.values():
            remove_host(container)


@pytest.fixture
def lab_class(tmp_path: Path, hosts: dict[str, Container]) -> Class:
    """A project dir (runs/ and reports/ land there) and an inventory: vm1, vm2 and `dead`."""
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(REPO / "ansible.cfg", project / "ansible.cfg")
    key = tmp_path / "class_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    for container in hosts.values():
        container.exec_run(["rm", "-f", FAIL_MARKER, "/root/nslab-provisioned"])
    lines = ["[lab_vms]"]
    lines += [
        f"{name} ansible_connection=community.docker.docker ansible_host={c.name}"
        " ansible_python_interpreter=/usr/bin/python3"
        for name, c in hosts.items()
    ]
    lines.append(
        f"dead ansible_host=127.0.0.1 ansible_port={closed_port()} ansible_user=root"
        f" ansible_ssh_private_key_file={key}"
    )
    inventory = tmp_path / "class.ini"
    inventory.write_text("\n".join(lines) + "\n")
    return Class(project, inventory, hosts, key)


def nslab(
    lab_class: Class, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "lab", "provision", "--project", str(lab_class.project)]
    command += ["-i", str(lab_class.inventory), "--playbook", str(PROBE), *args]
    return subprocess.run(
        command, capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=600
    )


def runs_of(lab_class: Class) -> list[Path]:
    return [run.path for run in RunsDir(lab_class.project / "runs").runs()]


def hosts_that_ran(run_dir: Path) -> dict[str, set[str]]:
    """From ansible-runner's job events: host -> the task results it produced."""
    seen: dict[str, set[str]] = {}
    for path in (run_dir / "artifacts" / run_dir.name / "job_events").glob("*.json"):
        event = json.loads(path.read_text())
        host = event.get("event_data", {}).get("host")
        if host and event["event"].startswith("runner_on_") and event["event"] != "runner_on_start":
            seen.setdefault(host, set()).add(event["event"])
    return seen


def record_of(run_dir: Path) -> dict:
    return json.loads((run_dir / "run.json").read_text())


def test_unreachable_host_does_not_stop_the_others(lab_class: Class) -> None:
    done = nslab(lab_class)
    assert done.returncode == 1, done.stdout + done.stderr
    (run_dir,) = runs_of(lab_class)
    record = record_of(run_dir)
    statuses = {host["host"]: host["status"] for host in record["hosts"]}
    assert statuses == {"vm1": "ok", "vm2": "ok", "dead": "unreachable"}
    reason = next(h["reason"] for h in record["hosts"] if h["host"] == "dead")
    assert "Connection refused" in reason
    assert record["status"] == "failed"
    # The others really finished: their last task ran and left its mark on the host.
    for container in lab_class.hosts.values():
        assert container.exec_run(["cat", "/root/nslab-provisioned"]).output == b"yes\n"
    # The summary table and the report path end the output; the dead host's reason is shown.
    out_lines = done.stdout.splitlines()
    dead_row = next(line for line in out_lines if line.startswith("dead"))
    assert "unreachable" in dead_row and "Connection refused" in dead_row
    assert f"Report: {lab_class.project / 'reports' / 'index.html'}" in out_lines
    assert (lab_class.project / "reports" / "index.html").is_file()
    summary = json.loads((lab_class.project / "reports" / "summary.json").read_text())
    assert "dead" in json.dumps(summary)
    # Progress went to stderr, as plain lines (not a TTY), one per host state change.
    assert any(
        line.startswith("✗ dead") and "UNREACHABLE" in line for line in done.stderr.splitlines()
    )
    assert "Traceback" not in done.stderr


def test_retry_failed_runs_only_the_failed_hosts(lab_class: Class) -> None:
    lab_class.hosts["vm2"].exec_run(["touch", FAIL_MARKER])
    first = nslab(lab_class)
    assert first.returncode == 1
    failed = {
        h["host"]: h for h in record_of(runs_of(lab_class)[-1])["hosts"] if h["status"] != "ok"
    }
    assert set(failed) == {"vm2", "dead"}
    assert failed["vm2"]["status"] == "failed"
    assert (
        failed["vm2"]["reason"]
        == "Fail where the test planted a failure: planted failure marker found"
    )

    lab_class.hosts["vm2"].exec_run(["rm", FAIL_MARKER])
    retry = nslab(lab_class, "--retry-failed")
    assert retry.returncode == 1, "dead is still unreachable"
    retry_run = runs_of(lab_class)[-1]
    assert set(hosts_that_ran(retry_run)) == {"vm2", "dead"}, "vm1 must not be touched"
    assert record_of(retry_run)["limit"] == "vm2,dead"
    assert {h["host"]: h["status"] for h in record_of(retry_run)["hosts"]} == {
        "vm2": "ok",
        "dead": "unreachable",
    }

    again = nslab(lab_class, "--retry-failed")
    assert set(hosts_that_ran(runs_of(lab_class)[-1])) == {"dead"}
    assert again.returncode == 1

    listing = subprocess.run(
        [sys.executable, "-m", "lab", "runs", "--project", str(lab_class.project)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert len(listing) == 4
    assert listing[1].split()[1:5] == ["failed", "1/3", "ok", "vm2,dead"]
    assert listing[3].split()[1:5] == ["failed", "0/1", "ok", "dead"]


def test_no_secret_reaches_the_run_directory(lab_class: Class, tmp_path: Path) -> None:
    become_pass = "env-secret-" + os.urandom(6).hex()
    vault_pass = "extravar-secret-" + os.urandom(6).hex()
    key_text = lab_class.key.read_text().strip().splitlines()[1]
    done = nslab(
        lab_class,
        "--limit",
        "vm1",
        "-e",
        f"ansible_become_password={vault_pass}",
        env={"ANSIBLE_BECOME_PASS": become_pass},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    (run_dir,) = runs_of(lab_class)
    # ansible-runner writes no env/ files from its arguments; env/settings is nslab's own switch
    # that keeps runner from writing the unredacted output (it holds no value of the run).
    assert sorted(path.name for path in (run_dir / "env").iterdir()) == ["settings"]
    for path in [*run_dir.rglob("*"), *(lab_class.project / "reports").rglob("*")]:
        if path.is_file():
            text = path.read_text(errors="replace")
            for secret in (become_pass, vault_pass, key_text):
                assert secret not in text, f"{secret[:12]}... written to {path}"
    command = json.loads((run_dir / "artifacts" / run_dir.name / "command").read_text())
    assert command["env"]["ANSIBLE_BECOME_PASS"] == "<redacted>"
    assert command["env"]["ANSIBLE_CONFIG"] == str(lab_class.project / "ansible.cfg")
    # Only what the user passed: the work directory reaches the role's defaults, not -e.
    assert record_of(run_dir)["extravars"] == {"ansible_become_password": "<redacted>"}
    # The -e file lived outside the run directory and is gone.
    extravars_file = next(a for a in command["command"] if a.startswith("@"))[1:]
    assert not Path(extravars_file).exists()
    assert not Path(extravars_file).is_relative_to(run_dir)


def test_old_runs_are_rotated(lab_class: Class) -> None:
    made = []
    for _ in range(3):
        nslab(lab_class, "--limit", "dead", "--keep-runs", "2")
        made.append(runs_of(lab_class)[-1])
    assert runs_of(lab_class) == made[1:]


OUTCOME_PROBE = Path(__file__).parent / "playbooks" / "outcome_probe.yml"


def test_the_playbook_and_the_wrapper_agree_on_each_hosts_outcome(
    tmp_path: Path, hosts: dict[str, Container]
) -> None:
    """One run, both deciders: the status.json the playbook's summary play wrote (from the raw
    facts host_failed.yml kept) and run.json's hosts (from ansible-runner's events) say the same
    status and reason for the failed host, and the same Docker source (lab.summary.outcome
    decides both)."""
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(REPO / "ansible.cfg", project / "ansible.cfg")
    (project / "roles").symlink_to(REPO / "roles")
    vm1, vm2 = hosts.values()
    vm1.exec_run(["rm", "-f", FAIL_MARKER])
    vm2.exec_run(["touch", FAIL_MARKER])
    inventory = tmp_path / "class.ini"
    inventory.write_text(
        "[lab_vms]\n"
        + "".join(
            f"{name} ansible_connection=community.docker.docker ansible_host={c.name}"
            " ansible_python_interpreter=/usr/bin/python3\n"
            for name, c in hosts.items()
        )
        + "[lab_vms:vars]\ndocker_engine_mirror=http://u:pw@mirror.school.example/docker/\n"
    )
    command = [sys.executable, "-m", "lab", "provision", "--project", str(project)]
    done = subprocess.run(
        [*command, "-i", str(inventory), "--playbook", str(OUTCOME_PROBE)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    (run_dir,) = [run.path for run in RunsDir(project / "runs").runs()]
    record = record_of(run_dir)
    tracked = {host["host"]: (host["status"], host["reason"]) for host in record["hosts"]}
    written = {
        name: json.loads((project / "reports" / name / "status.json").read_text()) for name in hosts
    }
    reason = "Fail where the test planted a failure: non-zero return code: E: planted failure"
    assert tracked["vm2"] == ("failed", reason)
    assert (written["vm2"]["status"], written["vm2"]["reason"]) == tracked["vm2"]
    # vm1 finished (the probe fetches no report, so the summary then fails it for that).
    assert (written["vm1"]["status"], written["vm1"]["reason"]) == ("ok", "")
    assert {s["docker_source"] for s in written.values()} == {record["docker_source"]}
    assert record["docker_source"] == "http://u:<redacted>@mirror.school.example/docker"
