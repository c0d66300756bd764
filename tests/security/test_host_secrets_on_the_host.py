"""A student on a host the docker_engine role set up, with the class's proxy, registry mirror and
service environment all carrying a password: the student (a real unprivileged account, a real
systemd on D-Bus) reads none of them, a mirror URL with credentials is refused before anything
changes, and the reset that removes Docker leaves none of it behind.

One host, in file order: the first test converges it with every secret, each later one attacks
or checks it, the last one resets it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest
from docker.models.containers import Container

from lab.testing import Testbed
from lab.testing.hosts import running_host

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "molecule"))
from docker_engine_host import (
    DOCKER_PLAYBOOK,
    RESET_PLAYBOOK,
    VENV_ANSIBLE,
    apt_configuration,
    converge,
    run_playbook,
    sh,
)

pytestmark = pytest.mark.molecule

PASSWORD = f"planted-{os.urandom(6).hex()}"
STUDENT = "student"
PROXY = f"http://class:{PASSWORD}@proxy.invalid:3128"


@pytest.fixture(scope="module")
def host(docker_client: docker.DockerClient, testbed: Testbed) -> Iterator[Container]:
    name = f"nslab-test-host-secrets-{os.getpid()}"
    with running_host(
        docker_client, testbed.host_image, name, testbed.network, "host-secrets"
    ) as host:
        sh(host, f"useradd --create-home --shell /bin/sh {STUDENT}")
        yield host


@pytest.fixture
def secret_vars(testbed: Testbed) -> dict[str, object]:
    """The class's settings, every one that can carry a credential carrying PASSWORD."""
    return {
        **testbed.role_variables(),
        "docker_engine_http_proxy": PROXY,
        "docker_engine_https_proxy": PROXY,
        "docker_engine_no_proxy": "localhost,127.0.0.1",
        "docker_engine_apt_proxy": f"http://class:{PASSWORD}@cache.invalid:3142",
        "docker_engine_service_environment": {"NSLAB_TOKEN": PASSWORD},
        # A URL with credentials in daemon.json: Engine 23+'s "proxies" is where a class puts
        # one; the stand-in engine (20.10) knows no "proxies" and refuses credentials in
        # registry-mirrors, so an engine label carries it here (same file, same rule).
        "docker_engine_daemon_options": {
            "labels": [f"nslab.proxy=https://class:{PASSWORD}@proxy.invalid:3128"]
        },
        "docker_engine_users": [STUDENT],
    }


def as_student(host: Container, *argv: str) -> tuple[int, str]:
    result = host.exec_run(list(argv), user=STUDENT, environment={"LC_ALL": "C"})
    return result.exit_code, result.output.decode(errors="replace")


def test_the_class_settings_converge_and_reach_the_engine(
    host: Container, testbed: Testbed, secret_vars: dict[str, object], tmp_path: Path
) -> None:
    # Installed first without the settings: their proxies lead nowhere (*.invalid).
    run = converge(host, tmp_path, testbed.role_variables())
    assert run.returncode == 0, run.output
    run = converge(host, tmp_path, secret_vars)
    assert run.returncode == 0, run.output
    assert PASSWORD not in run.output
    # The engine really runs with them (root reads its process environment).
    environ = sh(host, "tr '\\0' '\\n' < /proc/$(systemctl show -p MainPID --value docker)/environ")
    assert f"HTTPS_PROXY={PROXY}" in environ.splitlines()
    assert f"NSLAB_TOKEN={PASSWORD}" in environ.splitlines()
    assert STUDENT in sh(host, "getent group docker")


def test_systemd_tells_a_student_no_secret(host: Container) -> None:
    """The issue's attack: systemd publishes a drop-in's Environment= over D-Bus to every user."""
    for argv in (
        ["systemctl", "show", "docker", "-p", "Environment"],
        ["systemctl", "show", "docker"],
        ["systemctl", "cat", "docker"],
    ):
        code, output = as_student(host, *argv)
        assert PASSWORD not in output, f"{' '.join(argv)} as {STUDENT} printed the password"
    code, output = as_student(host, "systemctl", "show", "docker", "-p", "ActiveState")
    assert (code, output.strip()) == (0, "ActiveState=active")  # the student did reach systemd


def test_no_file_a_student_can_read_holds_a_secret(host: Container) -> None:
    """Drop-ins, environment files, daemon.json, apt's proxy setting: root only where secret."""
    # grep as the student: it reads what the student can, and says which files it could not.
    _, output = as_student(host, "grep", "-rl", "--", PASSWORD, "/etc", "/run/systemd")
    readable = [line for line in output.splitlines() if "Permission denied" not in line]
    assert readable == [], f"{STUDENT} reads the password in {readable}"
    # And those files exist, root only: the secret is there, just not for the student.
    written = sh(host, f"grep -rl -- {PASSWORD} /etc").split()
    assert sorted(written) == [
        "/etc/apt/apt.conf.d/80docker-engine-proxy",
        "/etc/docker/daemon.json",
        "/etc/systemd/system/docker.service.d/http-proxy.env",
        "/etc/systemd/system/docker.service.d/service-environment.env",
    ]
    for path in written:
        assert sh(host, f"stat -c '%a %U' {path}").split() == ["600", "root"], path


def test_a_converged_host_stays_at_zero_changed_also_in_check_mode(
    host: Container, secret_vars: dict[str, object], tmp_path: Path
) -> None:
    for check in (False, True):
        run = run_playbook(
            host, DOCKER_PLAYBOOK, tmp_path, secret_vars, ansible_bin=VENV_ANSIBLE, check=check
        )
        assert run.returncode == 0 and " changed=0 " in run.text, run.output
        assert PASSWORD not in run.output


def test_a_mirror_url_with_credentials_is_refused_before_anything_changes(
    host: Container, secret_vars: dict[str, object], tmp_path: Path
) -> None:
    """apt's sources are readable by every user: credentials in the mirror URL would reach them
    (and apt's output). The role refuses and says where they belong; nothing is written."""
    apt_before = apt_configuration(host)
    mirror = str(secret_vars["docker_engine_mirror"])
    scheme, _, rest = mirror.partition("://")
    variables = {
        key: value
        for key, value in secret_vars.items()
        if key not in ("docker_engine_repo_url", "docker_engine_key_url")
    }
    variables["docker_engine_mirror"] = f"{scheme}://class:{PASSWORD}@{rest}"
    run = converge(host, tmp_path, variables)
    assert run.returncode != 0, run.output
    assert "auth.conf.d" in run.text and "Nothing was changed" in run.text, run.output
    assert PASSWORD not in run.output
    assert apt_configuration(host) == apt_before


CONFFILE_PACKAGE = """
set -e
for version in 1 2; do
  tree=/root/conffile-$version
  mkdir -p $tree/DEBIAN $tree/etc
  cat > $tree/DEBIAN/control <<EOF
Package: nslab-conffile-test
Version: $version
Architecture: all
Maintainer: nslab <t@nslab.invalid>
Description: a conffile the admin edits
EOF
  echo /etc/nslab-conffile-test.conf > $tree/DEBIAN/conffiles
  echo "shipped by version $version" > $tree/etc/nslab-conffile-test.conf
  dpkg-deb --root-owner-group --build $tree /root/nslab-conffile-test_${version}_all.deb >/dev/null
done
dpkg -i /root/nslab-conffile-test_1_all.deb >/dev/null
echo "the admin's edit" >> /etc/nslab-conffile-test.conf
"""


def test_an_edited_conffile_never_stops_a_package_run_at_a_prompt(
    host: Container, tmp_path: Path
) -> None:
    """dpkg asks "keep your version or take the package's?" for a conffile both sides changed;
    DEBIAN_FRONTEND=noninteractive does not cover that question. The role's apt step (the module
    step 4 uses) keeps the admin's file and goes on, in bounded time."""
    sh(host, CONFFILE_PACKAGE)
    # The role's own module, from a playbook beside library/ and module_utils/ links.
    plugins = Path(__file__).resolve().parents[2] / "plugins"
    (tmp_path / "library").symlink_to(plugins / "modules")
    (tmp_path / "module_utils").symlink_to(plugins / "module_utils")
    playbook = tmp_path / "upgrade.yml"
    playbook.write_text(
        "- hosts: all\n  gather_facts: false\n  tasks:\n"
        "    - name: Install the package's new version as step 4 installs Docker's\n"
        "      docker_engine_apt:\n"
        "        install: [/root/nslab-conffile-test_2_all.deb]\n"
        "        lock_timeout: 60\n"
    )
    run = run_playbook(host, playbook, tmp_path, {}, ansible_bin=VENV_ANSIBLE, timeout=300)
    assert run.returncode == 0, run.output
    assert sh(host, "dpkg-query -W -f '${Version}' nslab-conffile-test") == "2"
    assert "the admin's edit" in sh(host, "cat /etc/nslab-conffile-test.conf")


WEDGE = "/etc/systemd/system/docker.service.d/zz-nslab-test-wedged.conf"


def test_a_wedged_engine_stops_the_run_in_bounded_time_naming_it(
    host: Container, secret_vars: dict[str, object], tmp_path: Path
) -> None:
    """A dockerd that never says it is ready: Docker's unit has no start timeout, so a blocking
    `systemctl start` would hold the class run forever."""
    sh(
        host,
        f"systemctl stop docker.service docker.socket && printf '[Service]\\nExecStart=\\n"
        f"ExecStart=/bin/sleep infinity\\n' > {WEDGE} && systemctl daemon-reload",
    )
    try:
        variables = {**secret_vars, "docker_engine_start_timeout": 15}
        run = run_playbook(
            host, DOCKER_PLAYBOOK, tmp_path, variables, ansible_bin=VENV_ANSIBLE, timeout=240
        )
        assert run.returncode != 0, run.output
        assert run.seconds < 180, run.output
        assert "docker.service did not answer within 15 s" in run.text, run.output
        assert "activating" in run.text and "journalctl -u docker.service" in run.text
    finally:
        # The socket too: a client knocking on it would start the wedged unit again, and a
        # blocking start would then wait on that start job forever.
        sh(
            host,
            f"systemctl stop docker.socket docker.service; rm -f {WEDGE}; systemctl daemon-reload;"
            " systemctl reset-failed docker.service; timeout 120 systemctl start docker.service",
        )
    run = converge(host, tmp_path, secret_vars)
    assert run.returncode == 0 and " changed=0 " in run.text, run.output


def test_the_reset_that_removes_docker_leaves_nothing_the_role_added(
    host: Container, secret_vars: dict[str, object], tmp_path: Path
) -> None:
    # The reset's apt module needs python3-apt, fetched from Debian; the class's apt proxy here
    # leads nowhere (*.invalid), so it is set aside for that one install.
    proxy_setting = "/etc/apt/apt.conf.d/80docker-engine-proxy"
    sh(
        host,
        f"mv {proxy_setting} /root/proxy && apt-get install -y -q python3-apt >/dev/null;"
        f" status=$?; mv /root/proxy {proxy_setting}; exit $status",
    )
    variables = {
        **secret_vars,
        "nslab_reset_remove_docker": True,
        "namespace_lab_reports_dir": str(tmp_path / "reports"),
    }
    run = run_playbook(host, RESET_PLAYBOOK, tmp_path, variables, ansible_bin=VENV_ANSIBLE)
    assert run.returncode == 0, run.output
    assert PASSWORD not in run.output
    assert sh(host, f"grep -rl -- {PASSWORD} /etc || true").strip() == ""
    left = sh(
        host,
        "ls -d /etc/apt/apt.conf.d/80docker-engine-proxy /etc/systemd/system/docker.service.d/*"
        " /etc/docker/daemon.json /etc/apt/sources.list.d/docker.list"
        " /etc/apt/sources.list.d/docker.sources /etc/apt/keyrings/docker.asc 2>/dev/null || true",
    )
    assert left.strip() == ""
    assert STUDENT not in sh(host, "getent group docker || true").partition(":x:")[2]
    assert "docker" not in sh(host, f"id -nG {STUDENT}").split()
