"""nslab on AWX's engine: the execution environment built here runs playbooks/lab.yml as AWX does.

AWX (with its operator, on Kubernetes) hands a job to an execution environment through
ansible-runner's streaming: `ansible-runner transmit` packs the job's private data dir (the
project, the inventory, the job template's variables, the machine credential's SSH key) into a
stream; the EE container runs `ansible-runner worker` on it; `ansible-runner process` turns what
comes back into the job's events and artifacts (receptor carries the streams between them). The
test runs that chain with the EE image built here (docs/awx.md) in the middle, against a test-bed
host reached over SSH on the test bed's network: the EE has no Docker and no docker connection,
like AWX's. The class summary comes back twice, as on AWX: in the job's artifacts (set_stats) and
in a reports directory mounted into the EE (namespace_lab_reports_dir).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest
import yaml
from docker.models.containers import Container

from lab.debian.cache import cache_dir
from lab.debian.execution_environment import ensure_execution_environment
from lab.debian.images import ensure_image
from lab.debian.rootfs import debian_mirror
from lab.testing import Testbed
from lab.testing.hosts import running_host
from lab.testing.recipes import ssh_host_recipe

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
RUNNER = Path(sys.executable).parent / "ansible-runner"
# Where the EE container finds what an AWX admin mounts into it (a container group's volumes).
REPORTS_IN_EE = "/var/lib/nslab/reports"
ARCHIVE_IN_EE = "/var/lib/nslab/images/debian-12.tar"


@pytest.fixture(scope="module")
def execution_environment(docker_client: docker.DockerClient) -> str:
    """The EE image, built once per machine and reused while its inputs stay the same."""
    started = time.monotonic()
    reference = ensure_execution_environment(docker_client, cache_dir(), debian_mirror())
    print(f"\nexecution environment {reference} ready in {time.monotonic() - started:.1f} s")
    return reference


@pytest.fixture(scope="module")
def ssh_host(docker_client: docker.DockerClient, testbed: Testbed) -> Iterator[Container]:
    image = ensure_image(docker_client, ssh_host_recipe(debian_mirror()), cache_dir())
    name = f"nslab-test-awx-ee-{os.getpid()}"
    with running_host(docker_client, image, name, testbed.network, "awx-ee") as host:
        yield host


def test_the_image_meets_awxs_contract(
    docker_client: docker.DockerClient, execution_environment: str
) -> None:
    image = docker_client.images.get(execution_environment)
    config = image.attrs["Config"]
    assert config["User"] == "1000"
    assert config["WorkingDir"] == "/runner"
    assert config["Entrypoint"] == ["/opt/builder/bin/entrypoint", "dumb-init"]
    assert config["Labels"]["ansible-execution-environment"] == "true"
    # As an unknown UID in the root group (OpenShift's way): a passwd entry and a home appear.
    probe = docker_client.containers.run(
        execution_environment,
        [
            "sh",
            "-c",
            "ansible-runner --version && ansible --version | head -1 && "
            "ansible-galaxy collection list nslab.lab && ansible-galaxy collection list "
            "community.docker && getent passwd 4242 && touch /runner/written && pip config list",
        ],
        user="4242:0",
        remove=True,
    ).decode()
    lines = [line.split() for line in probe.splitlines()]
    lock = (REPO / "locks" / "controller.txt").read_text()
    assert f"ansible-runner=={probe.splitlines()[0].strip()} " in lock
    assert f"ansible-core=={lines[1][2].rstrip(']')} " in lock
    version = yaml.safe_load((REPO / "galaxy.yml").read_text())["version"]
    assert ["nslab.lab", version] in [line[:2] for line in lines], probe
    assert "community.docker" in [line[0] for line in lines if line], probe
    assert "4242:x:4242:0:container user 4242:/runner:/bin/bash" in probe.splitlines(), probe
    # The build's wheelhouse settings do not follow the image into AWX.
    assert "find-links" not in probe and "no-index" not in probe, probe


def test_a_build_with_the_same_inputs_reuses_the_image(
    docker_client: docker.DockerClient,
    execution_environment: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    capsys.readouterr()
    started = time.monotonic()
    again = ensure_execution_environment(docker_client, cache_dir(), debian_mirror())
    seconds = time.monotonic() - started
    # Each build step says what it does on stderr; a reused image has none to say.
    said = capsys.readouterr().err
    with capsys.disabled():
        print(f"\nexecution environment, warm: {seconds:.1f} s")
    assert again == execution_environment
    assert "docker build" not in said and "debootstrap" not in said, said


def test_lab_playbook_runs_as_an_awx_job(
    tmp_path: Path, testbed: Testbed, execution_environment: str, ssh_host: Container
) -> None:
    private = job_private_data_dir(tmp_path / "job", testbed, ssh_host)
    reports = tmp_path / "reports"
    reports.mkdir()
    # The EE runs as user 1000 in the root group, as on AWX; the volume is the class's share.
    os.chown(reports, 1000, 0)
    reports.chmod(0o770)
    archive = testbed.lab_image_archive
    worker = [
        "docker", "run", "--rm", "-i", "--network", testbed.network,
        "-v", f"{reports}:{REPORTS_IN_EE}",
        "-v", f"{archive}:{ARCHIVE_IN_EE}:ro",
        execution_environment,
        "ansible-runner", "worker", "--private-data-dir=/runner",
    ]  # fmt: skip
    started = time.monotonic()
    transmit = subprocess.Popen(
        [str(RUNNER), "transmit", str(private), "-p", "playbooks/lab.yml"],
        stdout=subprocess.PIPE,
    )
    work = subprocess.Popen(worker, stdin=transmit.stdout, stdout=subprocess.PIPE)
    assert transmit.stdout is not None
    transmit.stdout.close()
    processed = subprocess.run(
        [str(RUNNER), "process", str(private)],
        stdin=work.stdout,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert work.wait(timeout=60) == 0
    assert transmit.wait(timeout=60) == 0
    print(f"the job took {time.monotonic() - started:.1f} s")

    # `process` without an ident writes the job's artifacts straight under artifacts/.
    artifacts = private / "artifacts"
    stdout = (artifacts / "stdout").read_text() if (artifacts / "stdout").exists() else ""
    assert processed.returncode == 0, processed.stdout + processed.stderr + stdout
    assert (artifacts / "rc").read_text().strip() == "0", stdout
    assert (artifacts / "status").read_text().strip() == "successful"

    stats = playbook_stats(artifacts)
    assert stats["failures"] == {} and stats["dark"] == {}, stats
    assert stats["ok"]["pc01"] > 0
    # What AWX shows as the job's artifacts (and hands to the next node of a workflow).
    summary = stats["artifact_data"]["nslab_class_summary"]
    assert [(row["host"], row["status"]) for row in summary] == [("pc01", "ok")]

    # The shared reports location got the class summary and the host's report.
    assert json.loads((reports / "summary.json").read_text())["hosts"][0]["status"] == "ok"
    assert (reports / "index.html").is_file()
    assert (reports / "pc01" / "report.json").is_file()


def job_private_data_dir(private: Path, testbed: Testbed, host: Container) -> Path:
    """What AWX writes for a job: the project (a copy of the checkout, as a project update leaves
    it), the inventory, the job template's extra variables, the machine credential's key, and
    the environment AWX sets (host keys are not checked, AWX's default)."""
    project = private / "project"
    tracked = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, (entry.decode() for entry in tracked)):
        source = REPO / name
        if not source.exists() and not source.is_symlink():
            continue
        target = project / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target, follow_symlinks=False)

    env = private / "env"
    env.mkdir(parents=True)
    key = private / "machine_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    authorize(host, key.with_suffix(".pub").read_text())
    (env / "ssh_key").write_text(key.read_text())
    key.unlink()
    (env / "envvars").write_text(json.dumps({"ANSIBLE_HOST_KEY_CHECKING": "False"}))
    extravars = {
        **testbed.role_variables(),
        "namespace_lab_image_archive": ARCHIVE_IN_EE,
        "namespace_lab_reports_dir": REPORTS_IN_EE,
    }
    (env / "extravars").write_text(json.dumps(extravars))

    inventory = private / "inventory"
    inventory.mkdir()
    hosts = {
        "pc01": {
            "ansible_host": host.name,
            "ansible_user": "root",
            "ansible_python_interpreter": "/usr/bin/python3",
        }
    }
    (inventory / "hosts.json").write_text(
        json.dumps({"all": {"children": {"lab_vms": {"hosts": hosts}}}})
    )
    return private


def authorize(host: Container, public_key: str) -> None:
    result = host.exec_run(
        [
            "sh",
            "-c",
            'install -d -m 0700 /root/.ssh && printf "%s\\n" "$1" > /root/.ssh/authorized_keys',
            "sh",
            public_key.strip(),
        ]
    )
    assert result.exit_code == 0, result.output


def playbook_stats(artifacts: Path) -> dict:
    for path in (artifacts / "job_events").glob("*.json"):
        event = json.loads(path.read_text())
        if event.get("event") == "playbook_on_stats":
            return event["event_data"]
    raise AssertionError(f"no playbook_on_stats event under {artifacts}")
