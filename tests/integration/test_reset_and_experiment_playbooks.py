"""playbooks/reset.yml and playbooks/experiment.yml on one host, each step building on the last:
a converged host is reset (Docker kept), experiment.yml runs the experiment again on the host that
still has Docker (and says clearly why a host pull fails: no route to a registry, or the
registry's toomanyrequests), reset with nslab_reset_remove_docker removes Docker even though
/var/lib/docker is its own mount (the test hosts have it as a volume, like a dedicated disk),
and lab.yml converges the reset host again to a working experiment."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest
from docker.models.containers import Container
from playbook_runs import ansible_playbook, output_of, write_inventory

from lab.testing import Testbed
from lab.testing.hosts import running_host

pytestmark = pytest.mark.integration

HOST = f"nslab-test-reset-{os.getpid()}"

# A registry on the host's loopback (Docker pulls from 127.0.0.0/8 over plain http) that answers
# every pull the way Docker Hub does once its anonymous limit is reached.
RATE_LIMITED_REGISTRY = """
import http.server, json
class Registry(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/v2/":
            status, body = 200, {}
        else:
            status, body = 429, {"errors": [{"code": "TOOMANYREQUESTS", "message":
                "You have reached your pull rate limit. You may increase the limit by "
                "authenticating and upgrading: https://www.docker.com/increase-rate-limit"}]}
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Docker-Distribution-API-Version", "registry/2.0")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    do_HEAD = do_GET
http.server.HTTPServer(("127.0.0.1", 5000), Registry).serve_forever()
"""


@pytest.fixture(scope="module")
def host(docker_client: docker.DockerClient, testbed: Testbed) -> Iterator[Container]:
    with running_host(docker_client, testbed.host_image, HOST, testbed.network, "reset") as host:
        yield host


@pytest.fixture(scope="module")
def inventory(host: Container, testbed: Testbed, tmp_path_factory: pytest.TempPathFactory) -> Path:
    variables = dict(testbed.role_variables())
    del variables["namespace_lab_image_archive"]  # the default: the image from the controller
    path = tmp_path_factory.mktemp("reset") / "class.json"
    return write_inventory(path, {HOST: {"student_id": "s1"}}, variables)


@pytest.fixture(scope="module")
def converged(inventory: Path, project_reports: Path) -> Path:
    result = ansible_playbook("playbooks/lab.yml", "-i", str(inventory))
    assert result.returncode == 0, output_of(result)
    assert (project_reports / HOST / "report.json").is_file()
    return inventory


def sh(host: Container, script: str) -> tuple[int, str]:
    result = host.exec_run(["sh", "-c", script])
    return result.exit_code, result.output.decode().strip()


def summary_rows(reports: Path) -> dict[str, dict[str, object]]:
    document = json.loads((reports / "summary.json").read_text())
    return {row["host"]: row for row in document["hosts"]}


def test_reset_removes_the_lab_and_keeps_docker(
    converged: Path, host: Container, project_reports: Path
) -> None:
    result = ansible_playbook("playbooks/reset.yml", "-i", str(converged))

    assert result.returncode == 0, output_of(result)
    assert sh(host, "ls -d /opt/nslab /var/lib/nslab/report 2>/dev/null")[1] == ""
    assert sh(host, "docker image inspect debian:12")[0] != 0
    assert sh(host, "systemctl is-active docker && docker info --format ok") == (0, "active\nok")
    assert not (project_reports / HOST).exists()
    assert summary_rows(project_reports) == {}


def test_experiment_playbook_on_a_host_that_has_docker(
    converged: Path, host: Container, project_reports: Path
) -> None:
    result = ansible_playbook("playbooks/experiment.yml", "-i", str(converged))
    output = output_of(result)

    assert result.returncode == 0, output
    assert "Install Docker" not in output  # only the experiment's part
    report = json.loads((project_reports / HOST / "report.json").read_text())
    assert report["fingerprint"]["hostname"] == HOST and report["summary"]["matched"]
    row = summary_rows(project_reports)[HOST]
    assert (row["status"], row["verdict"], row["student_id"]) == ("ok", "matched", "s1")
    assert sh(host, "docker image inspect -f ok debian:12") == (0, "ok")  # loaded again


def test_a_host_pull_without_a_route_says_what_to_do(converged: Path) -> None:
    # The test hosts reach no registry at all: Docker's own error, and the ways out.
    result = ansible_playbook(
        "playbooks/experiment.yml",
        "-i",
        str(converged),
        "-e",
        "namespace_lab_image_source=pull",
        "-e",
        "namespace_lab_image=debian:bookworm-slim",
    )
    output = output_of(result)

    assert result.returncode != 0, output
    assert f"{HOST} did not finish" in output
    message = output[output.index(f"{HOST} could not pull debian:bookworm-slim: ") :]
    assert "registry-1.docker.io" in message  # Docker's words: where it tried to go
    assert "Take the image from the controller instead" in message
    assert "registry mirror" in message and "docker login" in message


def test_a_rate_limited_pull_says_what_to_do(converged: Path, host: Container) -> None:
    host.exec_run(["python3", "-c", RATE_LIMITED_REGISTRY], detach=True)
    assert (
        sh(
            host,
            "for i in 1 2 3 4 5 6 7 8 9 10; do "
            "python3 -c 'import urllib.request as u; u.urlopen(\"http://127.0.0.1:5000/v2/\")' "
            "&& exit 0; sleep 0.3; done; exit 1",
        )[0]
        == 0
    )

    result = ansible_playbook(
        "playbooks/experiment.yml",
        "-i",
        str(converged),
        "-e",
        "namespace_lab_image_source=pull",
        "-e",
        "namespace_lab_image=127.0.0.1:5000/library/debian:12",
    )
    output = output_of(result)

    assert result.returncode != 0, output
    assert (
        f"{HOST} could not pull 127.0.0.1:5000/library/debian:12: the registry refused it, "
        "too many pulls from this address (toomanyrequests"
    ) in output
    assert "namespace_lab_image_source: controller, the default" in output
    assert "registry-mirrors" in output and "docker login" in output


def test_reset_with_docker_removal_empties_a_mounted_data_directory(
    converged: Path, host: Container
) -> None:
    assert sh(host, "mountpoint -q /var/lib/docker")[0] == 0  # its own mount, like a data disk
    # Hosts set up by either form of Docker's steps: the course note's .list, today's .sources.
    sh(
        host,
        "cp /etc/apt/sources.list.d/docker.* /tmp/ && "
        "touch /etc/apt/sources.list.d/docker.list /etc/apt/sources.list.d/docker.sources",
    )

    result = ansible_playbook(
        "playbooks/reset.yml", "-i", str(converged), "-e", "nslab_reset_remove_docker=true"
    )

    assert result.returncode == 0, output_of(result)
    installed = sh(
        host,
        "dpkg-query -W -f='${Package} ${db:Status-Abbrev}\\n' "
        "docker-ce docker-ce-cli containerd.io 2>/dev/null | grep ' ii' || true",
    )
    assert installed == (0, "")
    assert sh(host, "mountpoint -q /var/lib/docker && ls -A /var/lib/docker") == (0, "")
    assert (
        sh(
            host,
            "ls /etc/apt/sources.list.d/docker.list /etc/apt/sources.list.d/docker.sources "
            "/etc/apt/keyrings/docker.asc 2>/dev/null",
        )[1]
        == ""
    )
    assert sh(host, "command -v python3")[0] == 0  # only Docker and the lab went


def test_lab_converges_the_reset_host_again(
    converged: Path, host: Container, project_reports: Path
) -> None:
    result = ansible_playbook("playbooks/lab.yml", "-i", str(converged))

    assert result.returncode == 0, output_of(result)
    row = summary_rows(project_reports)[HOST]
    assert (row["status"], row["verdict"]) == ("ok", "matched")
    assert sh(host, "dpkg-query -W -f='${db:Status-Abbrev}' docker-ce")[1].startswith("ii")
