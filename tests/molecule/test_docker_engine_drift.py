"""A converged host that drifted is repaired by the next run: the probe notices, and exactly the
step that fixes it runs (changed=1, that task named). Then the files that can carry a proxy
password are readable by root only.

One host, in file order: the first test converges it, each later one breaks one thing and
converges again; a converged host re-runs at changed=0 between the cases.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from docker.models.containers import Container
from docker_engine_host import PlaybookRun, converge, sh

pytestmark = pytest.mark.molecule

DAEMON_OPTIONS = {"log-driver": "json-file", "log-opts": {"max-size": "10m"}}
PASSWORD = "planted-S3cret"


@pytest.fixture
def drift_vars(role_vars: dict[str, object]) -> dict[str, object]:
    return {**role_vars, "docker_engine_daemon_options": DAEMON_OPTIONS}


def changed_tasks(run: PlaybookRun) -> list[str]:
    """The names of the tasks that reported changed, in order."""
    names = []
    for block in run.output.split("TASK [")[1:]:
        name, _, body = block.partition("]")
        if re.search(r"^changed: \[", body, re.MULTILINE):
            names.append(name.removeprefix("docker_engine : "))
    return names


def assert_repaired_by(run: PlaybookRun, task: str) -> None:
    assert run.returncode == 0, run.output
    assert "changed=1 " in run.text, run.output
    assert changed_tasks(run) == [task], run.output


def assert_converged(host: Container, workdir: Path, variables: dict[str, object]) -> None:
    run = converge(host, workdir, variables)
    assert run.returncode == 0, run.output
    assert "changed=0 " in run.text, run.output
    # A converged host costs the probe and nothing more: no other task ran.
    assert "ok=2 " in run.text, run.output  # the argument check and the probe


def test_converges_then_reruns_with_only_the_probe(
    host: Container, drift_vars: dict[str, object], tmp_path: Path
) -> None:
    run = converge(host, tmp_path, drift_vars)
    assert run.returncode == 0, run.output
    assert_converged(host, tmp_path, drift_vars)


def test_a_hand_edited_docker_list_is_rewritten(
    host: Container, drift_vars: dict[str, object], tmp_path: Path
) -> None:
    sh(host, "sed -i 's/ stable$/ test/' /etc/apt/sources.list.d/docker.list")
    run = converge(host, tmp_path, drift_vars)
    assert_repaired_by(
        run,
        "Docker's install step 3: add the repository to apt sources "
        "(docker.list, as the course note writes it)",
    )
    assert sh(host, "cat /etc/apt/sources.list.d/docker.list").rstrip().endswith(" stable")
    assert_converged(host, tmp_path, drift_vars)


def test_a_replaced_key_file_is_verified_and_installed_again(
    host: Container, drift_vars: dict[str, object], tmp_path: Path
) -> None:
    sh(
        host,
        "echo 'not a key' > /etc/apt/keyrings/docker.asc"
        " && chmod 0600 /etc/apt/keyrings/docker.asc",
    )
    run = converge(host, tmp_path, drift_vars)
    assert_repaired_by(run, "Docker's install step 2: add Docker's signing key (verified)")
    checksum = str(drift_vars["docker_engine_key_checksum"]).removeprefix("sha256:")
    assert sh(host, "sha256sum /etc/apt/keyrings/docker.asc").split()[0] == checksum
    assert sh(host, "stat -c %a /etc/apt/keyrings/docker.asc").strip() == "644"
    assert_converged(host, tmp_path, drift_vars)


def test_a_removed_package_is_installed_again(
    host: Container, drift_vars: dict[str, object], tmp_path: Path
) -> None:
    sh(host, "dpkg --remove docker-compose-plugin >/dev/null")
    run = converge(host, tmp_path, drift_vars)
    assert_repaired_by(run, "Docker's install step 4: install the Docker packages")
    sh(
        host,
        "dpkg-query --show --showformat='${db:Status-Status}' docker-compose-plugin"
        " | grep -qx installed",
    )
    assert_converged(host, tmp_path, drift_vars)


def test_a_stopped_and_disabled_service_is_started_and_enabled(
    host: Container, drift_vars: dict[str, object], tmp_path: Path
) -> None:
    sh(host, "systemctl disable --now docker.service docker.socket 2>/dev/null")
    run = converge(host, tmp_path, drift_vars)
    assert_repaired_by(
        run, "Start Docker, enable it at boot and wait until it answers (docker info)"
    )
    assert sh(
        host, "systemctl is-enabled docker.service; systemctl is-active docker.service"
    ).split() == [
        "enabled",
        "active",
    ]
    assert sh(host, "docker info --format '{{.ServerVersion}}'").strip()
    assert_converged(host, tmp_path, drift_vars)


def test_a_removed_package_and_a_stopped_service_are_repaired_by_step_4_alone(
    host: Container, drift_vars: dict[str, object], tmp_path: Path
) -> None:
    # Step 4 makes sure the engine runs and answers in its own round trip: no service step after.
    sh(host, "systemctl disable --now docker.service docker.socket 2>/dev/null")
    sh(host, "dpkg --remove docker-compose-plugin >/dev/null")
    run = converge(host, tmp_path, drift_vars)
    assert_repaired_by(run, "Docker's install step 4: install the Docker packages")
    service_step = run.output.split("TASK [docker_engine : Start Docker", 1)[1].split("TASK [")[0]
    assert "skipping: [" in service_step, run.output
    assert sh(
        host, "systemctl is-enabled docker.service; systemctl is-active docker.service"
    ).split() == ["enabled", "active"]
    assert sh(host, "docker info --format '{{.ServerVersion}}'").strip()
    assert_converged(host, tmp_path, drift_vars)


def test_an_edited_daemon_json_is_rewritten_and_the_engine_restarted(
    host: Container, drift_vars: dict[str, object], tmp_path: Path
) -> None:
    started = sh(host, "systemctl show docker.service --property=ExecMainStartTimestampMonotonic")
    sh(host, """printf '{"log-driver": "local"}\\n' > /etc/docker/daemon.json""")
    run = converge(host, tmp_path, drift_vars)
    assert_repaired_by(
        run,
        "Configure the engine (daemon.json, proxy and service environment drop-ins), "
        "restarting it on change",
    )
    assert sh(host, "docker info --format '{{.LoggingDriver}}'").strip() == "json-file"
    restarted = sh(host, "systemctl show docker.service --property=ExecMainStartTimestampMonotonic")
    assert restarted != started
    assert_converged(host, tmp_path, drift_vars)


def test_files_that_can_carry_a_proxy_password_are_readable_by_root_only(
    host: Container, drift_vars: dict[str, object], tmp_path: Path
) -> None:
    proxy = f"http://student:{PASSWORD}@proxy.invalid:3128"
    variables = {
        **drift_vars,
        "docker_engine_http_proxy": proxy,
        "docker_engine_https_proxy": proxy,
        "docker_engine_apt_proxy": f"http://student:{PASSWORD}@cache.invalid:3142",
        "docker_engine_service_environment": {"NSLAB_TOKEN": PASSWORD},
    }
    run = converge(host, tmp_path, variables)
    assert run.returncode == 0, run.output
    assert PASSWORD not in run.output
    written = sh(host, f"grep -rl {PASSWORD} /etc || true").split()
    assert sorted(written) == [
        "/etc/apt/apt.conf.d/80docker-engine-proxy",
        "/etc/systemd/system/docker.service.d/http-proxy.env",
        "/etc/systemd/system/docker.service.d/service-environment.env",
    ]
    for path in written:
        assert sh(host, f"stat -c '%a %U %G' {path}").split() == ["600", "root", "root"], path
    # The engine runs with them (restarted once, for all three), and systemd does not publish
    # them (tests/security/test_host_secrets_on_the_host.py plays the student).
    environment = sh(
        host, "tr '\\0' '\\n' < /proc/$(systemctl show -p MainPID --value docker)/environ"
    )
    assert f"HTTPS_PROXY={proxy}" in environment and f"NSLAB_TOKEN={PASSWORD}" in environment
    assert PASSWORD not in sh(host, "systemctl show docker.service --property=Environment")
    # Emptied settings take their files away again.
    run = converge(host, tmp_path, drift_vars)
    assert run.returncode == 0, run.output
    assert sh(host, f"grep -rl {PASSWORD} /etc || true").strip() == ""
    assert_converged(host, tmp_path, drift_vars)
