"""The registry route (namespace_lab_image_route: registry) on a real test-bed host, and a student
on that host attacking the controller's class registry.

The controller is this machine: its registry (Debian's docker-registry) listens on its address on
the test bed's network, the host's real dockerd pulls the lab image from it by digest. One host,
in file order: the class converges through the registry route, a student on the host tries to
push over the class image and fails, the reset leaves no trust behind.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest
from docker.models.containers import Container

from lab.testing import Testbed
from lab.testing.hosts import controller_endpoint

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))
from playbook_runs import PROJECT_DIR, ansible_playbook, output_of, role_default, write_inventory

pytestmark = pytest.mark.integration

CLASS_REGISTRY = PROJECT_DIR / "roles" / "namespace_lab" / "files" / "class_registry.py"
# The user's own engine settings: the route must neither clobber nor restart them.
DAEMON_OPTIONS = {"labels": ["nslab.class=kept"]}


def sh(host: Container, script: str) -> tuple[int, str]:
    result = host.exec_run(["sh", "-c", script], environment={"LC_ALL": "C"})
    return result.exit_code, result.output.decode(errors="replace").strip()


def listening(address: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex((address, port)) == 0


def registry_api(host: Container, registry_host: str, method: str, path: str) -> tuple[int, str]:
    """The class registry's HTTP API as a program on the host calls it (no Docker client), over
    TLS checked against the CA the host was given: (status, body)."""
    ca = f"/etc/docker/certs.d/{registry_host}/ca.crt"
    script = (
        "import http.client, ssl, sys\n"
        f"context = ssl.create_default_context(cafile='{ca}')\n"
        f"c = http.client.HTTPSConnection('{registry_host}', context=context)\n"
        f"c.request('{method}', '{path}')\n"
        "answer = c.getresponse()\n"
        "print(answer.status)\n"
        "sys.stdout.write(answer.read().decode())\n"
    )
    result = host.exec_run(["python3", "-c", script])
    output = result.output.decode(errors="replace")
    assert result.exit_code == 0, output
    status, _, body = output.partition("\n")
    return int(status), body


@pytest.fixture(scope="module")
def registry(docker_client: docker.DockerClient, testbed: Testbed) -> dict[str, object]:
    address, port = controller_endpoint(docker_client, testbed.network)
    return {"address": address, "port": port}


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("class-registry")


@pytest.fixture(scope="module")
def inventory(host: Container, testbed: Testbed, registry: dict[str, object], work: Path) -> Path:
    variables: dict[str, object] = {
        **testbed.role_variables(),
        "docker_engine_daemon_options": DAEMON_OPTIONS,
        "namespace_lab_image_route": "registry",
        "namespace_lab_registry_address": registry["address"],
        "namespace_lab_registry_port": registry["port"],
        "namespace_lab_controller_image_dir": str(work / "images"),
        "namespace_lab_reports_dir": str(work / "reports"),
    }
    del variables["namespace_lab_image_archive"]  # the image comes from the controller
    return write_inventory(work / "class.json", {host.name: {"student_id": "s1"}}, variables)


@pytest.fixture(scope="module")
def engine_before(host: Container, inventory: Path) -> dict[str, str]:
    """Docker installed with the user's daemon options, before the lab: its pid and daemon.json."""
    result = ansible_playbook("playbooks/docker.yml", "-i", str(inventory))
    assert result.returncode == 0, output_of(result)
    return engine_state(host)


def engine_state(host: Container) -> dict[str, str]:
    return {
        "pid": sh(host, "systemctl show -p MainPID --value docker")[1],
        "daemon.json": sh(host, "cat /etc/docker/daemon.json")[1],
    }


@pytest.fixture(scope="module")
def converged(engine_before: dict[str, str], inventory: Path) -> subprocess.CompletedProcess[str]:
    result = ansible_playbook("playbooks/lab.yml", "-i", str(inventory))
    assert result.returncode == 0, output_of(result)
    return result


def serve(work: Path, registry: dict[str, object], image: str) -> dict[str, object]:
    return json.loads(
        class_registry(
            "serve",
            f"--dir={work / 'images' / 'registry'}",
            f"--image={image}",
            f"--address={registry['address']}",
            f"--port={registry['port']}",
        )
    )


@pytest.fixture(scope="module")
def earlier_image(
    docker_client: docker.DockerClient, work: Path, registry: dict[str, object], converged: object
) -> Iterator[str]:
    """What an earlier run served from the same storage: an image of the controller's that is
    not this class's (an instructor's own, with a file no student should read)."""
    container = docker_client.containers.create("debian:12", ["true"])
    image = f"nslab-test/instructor-{work.name}:1"
    try:
        repository, tag = image.split(":")
        container.commit(repository, tag, changes=["LABEL nslab.test=earlier"])
    finally:
        container.remove()
    reference = str(serve(work, registry, image)["references"][image])  # type: ignore[index]
    class_registry("stop", f"--dir={work / 'images' / 'registry'}")
    yield reference
    docker_client.images.remove(image)


@pytest.fixture
def serving(
    work: Path, registry: dict[str, object], earlier_image: str
) -> Iterator[dict[str, object]]:
    """The controller's registry serving the class's image, as during a run (the run's end
    stopped it), over a storage that also holds an earlier run's image."""
    yield serve(work, registry, "debian:12")
    class_registry("stop", f"--dir={work / 'images' / 'registry'}")


def class_registry(*args: str) -> str:
    result = subprocess.run(
        [sys.executable, str(CLASS_REGISTRY), *args], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_host_pulls_the_lab_image_by_digest_from_the_controller(
    converged: subprocess.CompletedProcess[str],
    host: Container,
    docker_client: docker.DockerClient,
    registry: dict[str, object],
    work: Path,
) -> None:
    report = json.loads((work / "reports" / host.name / "report.json").read_text())
    assert report["summary"]["matched"], report["summary"]
    pulled = json.loads(sh(host, "docker image inspect debian:12")[1])[0]
    assert pulled["Id"] == docker_client.images.get("debian:12").id  # the controller's image
    # Pulled by digest from the controller's registry; only the lab image's name stays.
    registry_host = f"{registry['address']}:{registry['port']}"
    events = 'docker events --since 0 --until "$(date +%s)" --filter event=pull'
    code, pulls = sh(host, f"{events} --format '{{{{.ID}}}}'")
    assert code == 0 and pulls.startswith(f"{registry_host}/nslab/debian@sha256:"), pulls
    assert (pulled["RepoTags"], pulled["RepoDigests"]) == (["debian:12"], [])
    # Trusted through its CA for that one address; no archive travelled.
    ca = (work / "images" / "registry" / "tls" / "ca.crt").read_text().strip()
    assert sh(host, f"cat /etc/docker/certs.d/{registry_host}/ca.crt") == (0, ca)
    archive = role_default("namespace_lab", "namespace_lab_image_archive_host_path")
    assert sh(host, f"ls {archive}")[0] != 0
    assert not (work / "images" / "debian_12.tar").exists()
    # Nothing listens on the class network once the run is over.
    assert not listening(str(registry["address"]), int(registry["port"]))


def test_the_users_engine_settings_are_kept_and_the_engine_not_restarted(
    converged: subprocess.CompletedProcess[str], engine_before: dict[str, str], host: Container
) -> None:
    assert engine_state(host) == engine_before
    assert json.loads(engine_before["daemon.json"]) == DAEMON_OPTIONS
    # Trusted through TLS, not as an insecure registry: Docker's own list is its default alone.
    code, output = sh(host, "docker info --format '{{json .RegistryConfig}}'")
    assert code == 0, output
    assert json.loads(output)["InsecureRegistryCIDRs"] == ["127.0.0.0/8"]


def test_a_rerun_pushes_nothing_and_changes_nothing(inventory: Path, converged: object) -> None:
    result = ansible_playbook("playbooks/lab.yml", "-i", str(inventory))
    output = output_of(result)
    assert result.returncode == 0, output
    assert "changed=0" in output and "unreachable=0" in output, output


def test_a_student_on_a_host_cannot_push_over_the_class_image(
    converged: object, host: Container, serving: dict[str, object]
) -> None:
    registry_host = serving["registry"]
    target = f"{registry_host}/nslab/debian:12"
    # The student's own image under the class image's name: a planted file on top.
    code, output = sh(
        host,
        "docker rm -f planted >/dev/null 2>&1; "
        "docker run --name planted debian:12 sh -c 'echo owned > /planted' && "
        f"docker commit planted {target} && docker rm planted",
    )
    assert code == 0, output

    code, output = sh(host, f"docker push {target}")
    assert code != 0, output  # the registry refuses every write
    # The registry API itself, without Docker's client: an upload cannot even start.
    status, body = registry_api(host, str(registry_host), "POST", "/v2/nslab/debian/blobs/uploads/")
    assert status == 405, body
    # What the class pulls is still the controller's image: by digest and by tag.
    sh(host, f"docker rmi {target}")
    reference = serving["references"]["debian:12"]  # type: ignore[index]
    code, output = sh(
        host, f"docker pull {reference} >/dev/null && docker run --rm {reference} ls /planted"
    )
    assert code != 0 and "No such file" in output, output
    sh(host, f"docker rmi {reference}")  # the student's own pull: not the lab's to reset
    assert sh(host, "ls /root/.docker/config.json")[0] != 0  # no push credentials on the host


def test_a_student_gets_nothing_from_the_registry_but_the_class_image(
    converged: object, host: Container, serving: dict[str, object], earlier_image: str
) -> None:
    registry_host = serving["registry"]
    # The earlier image's layers are in the controller's storage; neither its name nor its digest
    # (which a student of that earlier class knows) gets it.
    for other in (earlier_image, earlier_image.split("@")[0] + ":1"):
        code, output = sh(host, f"docker pull {other}")
        assert code != 0 and "not found" in output.lower(), output
    # The registry's own list: the class's repository alone.
    status, body = registry_api(host, str(registry_host), "GET", "/v2/_catalog")
    assert (status, json.loads(body)) == (200, {"repositories": ["nslab/debian"]}), body


def test_reset_leaves_no_trust_behind(
    inventory: Path, host: Container, registry: dict[str, object]
) -> None:
    result = ansible_playbook("playbooks/reset.yml", "-i", str(inventory))
    assert result.returncode == 0, output_of(result)
    assert sh(host, "ls -d /etc/docker/certs.d")[0] != 0  # its entry was all it held
    assert sh(host, "docker image ls --quiet")[1] == ""  # the lab image, under every name
    assert json.loads(sh(host, "cat /etc/docker/daemon.json")[1]) == DAEMON_OPTIONS
    assert not listening(str(registry["address"]), int(registry["port"]))
