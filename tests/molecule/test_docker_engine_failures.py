"""docker_engine on one fresh Debian host: check mode, refusals, then ansible-core 2.14.

The tests share one host container to stay fast and run in file order: the check run first
(it needs the host fresh), then the runs that must fail before apt's configuration changes,
then a real converge with Debian's packaged ansible-core 2.14, which must leave a working engine.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from docker.models.containers import Container
from docker_engine_host import (
    DOCKER_PLAYBOOK,
    VENV_ANSIBLE,
    ansible_version,
    apt_configuration,
    host_state,
    run_playbook,
    sh,
)

pytestmark = pytest.mark.molecule

DEBIAN_ANSIBLE = Path("/usr/bin")
NO_DOCKER_APT = (
    "test ! -e /etc/apt/sources.list.d/docker.list && test ! -e /etc/apt/keyrings/docker.asc"
)

FAKE_PODMAN_DOCKER = """\
set -e
mkdir -p /tmp/podman-docker/DEBIAN
printf 'Package: podman-docker\\nVersion: 0.0-nslab\\nArchitecture: all\\n\
Maintainer: nslab <root@localhost>\\nDescription: conflict check stand-in\\n' \
  > /tmp/podman-docker/DEBIAN/control
dpkg-deb --build /tmp/podman-docker /tmp/podman-docker.deb >/dev/null
dpkg -i /tmp/podman-docker.deb >/dev/null
"""

# An old docker.list (Docker's former docs: another keyring) plus a deb822 docker.sources
# (geerlingguy.docker): apt update fails with "Conflicting values set for option Signed-By".
PLANT_CONFLICTING_SOURCES = """\
echo "deb [arch=amd64 signed-by=/usr/share/keyrings/docker-archive-keyring.gpg] \
{url}/linux/debian bookworm stable" > /etc/apt/sources.list.d/docker.list
printf 'Types: deb\\nURIs: {url}/linux/debian\\nSuites: bookworm\\nComponents: stable\\n\
Signed-By: /etc/apt/keyrings/docker-other.asc\\n' > /etc/apt/sources.list.d/docker.sources
"""

# What /etc/os-release says on another system; the role reads the release from there.
FAKE_OS_RELEASE = """\
rm /etc/os-release
printf 'NAME="{name}"\\nID={id}\\n{version_line}VERSION_CODENAME={codename}\\n' > /etc/os-release
"""
REAL_OS_RELEASE = "ln -sf ../usr/lib/os-release /etc/os-release"


def test_check_mode_on_a_fresh_host_changes_nothing(
    host: Container, role_vars: dict[str, object], tmp_path: Path
) -> None:
    before = host_state(host)
    run = run_playbook(
        host, DOCKER_PLAYBOOK, tmp_path, role_vars, ansible_bin=VENV_ANSIBLE, check=True
    )
    assert run.returncode == 0, run.output
    assert "failed=0" in run.text
    # It reports the work it would do, including packages from the repository not yet written.
    assert "changed=0" not in run.text, run.output
    assert "Would install: docker-ce, docker-ce-cli, containerd.io" in run.text, run.output
    assert host_state(host) == before


def test_wrong_key_fingerprint_is_refused(
    host: Container, role_vars: dict[str, object], tmp_path: Path
) -> None:
    before = apt_configuration(host)
    wrong = "0123456789ABCDEF0123456789ABCDEF01234567"
    run = run_playbook(
        host,
        DOCKER_PLAYBOOK,
        tmp_path,
        {**role_vars, "docker_engine_key_fingerprint": wrong},
        ansible_bin=VENV_ANSIBLE,
    )
    assert run.returncode != 0
    assert f"expected exactly {wrong}" in run.text, run.output
    assert "The key was not trusted and no apt source was written" in run.text
    assert apt_configuration(host) == before
    sh(host, NO_DOCKER_APT)


def test_unreachable_repository_is_reported(
    host: Container, role_vars: dict[str, object], tmp_path: Path
) -> None:
    before = apt_configuration(host)
    # The stand-in's host with a port nothing listens on: refused at once, no outside traffic.
    standin = urlsplit(str(role_vars["docker_engine_mirror"])).hostname
    mirror = f"http://{standin}:1"
    run = run_playbook(
        host,
        DOCKER_PLAYBOOK,
        tmp_path,
        {**role_vars, "docker_engine_mirror": mirror, "docker_engine_download_retries": 1},
        ansible_bin=VENV_ANSIBLE,
    )
    assert run.returncode != 0
    assert "the repository publishes no release for this host" in run.text, run.output
    assert "Connection refused" in run.text, run.output
    assert f"Repository {mirror}/linux/debian" in run.text
    assert apt_configuration(host) == before
    sh(host, NO_DOCKER_APT)


@pytest.mark.parametrize(
    ("os_id", "name", "codename", "version", "described"),
    [
        ("debian", "Debian GNU/Linux", "bullseye", "11", "Debian 11 (bullseye)"),
        ("ubuntu", "Ubuntu", "noble", "24.04", "Ubuntu 24.04 (noble)"),
        # Debian's testing release has no VERSION_ID until it is released.
        ("debian", "Debian GNU/Linux", "forky", "", "Debian (forky)"),
    ],
)
def test_unsupported_release_stops_before_any_change(
    host: Container,
    role_vars: dict[str, object],
    tmp_path: Path,
    os_id: str,
    name: str,
    codename: str,
    version: str,
    described: str,
) -> None:
    before = apt_configuration(host)
    version_line = f'VERSION_ID="{version}"\\n' if version else ""
    sh(
        host,
        FAKE_OS_RELEASE.format(name=name, id=os_id, version_line=version_line, codename=codename),
    )
    try:
        run = run_playbook(host, DOCKER_PLAYBOOK, tmp_path, role_vars, ansible_bin=VENV_ANSIBLE)
    finally:
        sh(host, REAL_OS_RELEASE)
    assert run.returncode != 0
    expected = (
        f"docker_engine supports Debian bookworm, trixie; this host is {described}. "
        "Nothing was changed."
    )
    assert expected in run.text, run.output
    assert apt_configuration(host) == before
    sh(host, NO_DOCKER_APT)


def test_unknown_source_format_stops_before_any_change(
    host: Container, role_vars: dict[str, object], tmp_path: Path
) -> None:
    before = apt_configuration(host)
    run = run_playbook(
        host,
        DOCKER_PLAYBOOK,
        tmp_path,
        {**role_vars, "docker_engine_apt_source_format": "deb822"},
        ansible_bin=VENV_ANSIBLE,
    )
    assert run.returncode != 0
    assert "docker_engine_apt_source_format" in run.text, run.output
    assert "must be one of: list, sources, got: deb822" in run.text, run.output
    assert apt_configuration(host) == before
    sh(host, NO_DOCKER_APT)


def test_conflicting_package_stops_the_role_unless_opted_in(
    host: Container, role_vars: dict[str, object], tmp_path: Path
) -> None:
    # A local package named like one of Docker's "uninstall old versions" list; no download.
    sh(host, FAKE_PODMAN_DOCKER)
    before = apt_configuration(host)
    run = run_playbook(host, DOCKER_PLAYBOOK, tmp_path, role_vars, ansible_bin=VENV_ANSIBLE)
    sh(host, "dpkg --purge podman-docker")
    assert run.returncode != 0
    assert (
        "These installed packages conflict with the official engine packages: podman-docker."
        in run.text
    ), run.output
    assert "Set docker_engine_remove_conflicting: true" in run.text
    assert apt_configuration(host) == before
    sh(host, NO_DOCKER_APT)


@pytest.mark.skipif(
    not (DEBIAN_ANSIBLE / "ansible-playbook").exists(),
    reason="Debian's ansible package is not installed (tests/run installs it)",
)
def test_converges_with_debian_packaged_ansible_core_2_14(
    host: Container, role_vars: dict[str, object], tmp_path: Path
) -> None:
    assert ansible_version(DEBIAN_ANSIBLE).startswith("2.14."), ansible_version(DEBIAN_ANSIBLE)
    # The host was set up before, twice over: the role must repair what breaks apt update.
    sh(host, PLANT_CONFLICTING_SOURCES.format(url=role_vars["docker_engine_mirror"]))
    run = run_playbook(
        host,
        DOCKER_PLAYBOOK,
        tmp_path,
        {**role_vars, "docker_engine_users": ["student"]},
        ansible_bin=DEBIAN_ANSIBLE,
    )
    assert run.returncode == 0, run.output
    assert "failed=0" in run.text
    assert sh(host, "docker info --format '{{.ServerVersion}}'").strip()
    assert "docker" in sh(host, "id -nG student").split()
    sources = sh(host, "ls /etc/apt/sources.list.d")
    assert sources.split() == ["docker.list"], sources
    assert "signed-by=/etc/apt/keyrings/docker.asc" in sh(
        host, "cat /etc/apt/sources.list.d/docker.list"
    )
