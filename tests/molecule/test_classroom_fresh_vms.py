"""docker_engine on what a fresh cloud VM throws at it: a held dpkg lock, a briefly unreachable
repository, a package run killed half way.

One host, in file order: the first converge meets the lock, the later cases break the converged
host the way a classroom does and converge it again; the last run must change nothing.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from docker.models.containers import Container
from docker_engine_host import converge, sh

pytestmark = pytest.mark.molecule

LOCK_HELD_S = 30

# apt and dpkg lock with fcntl (what unattended-upgrades holds); `flock` would not block them.
HOLD_DPKG_LOCK = (
    "import fcntl, time\n"
    "lock = open('/var/lib/dpkg/lock-frontend', 'w')\n"
    "fcntl.lockf(lock, fcntl.LOCK_EX)\n"
    f"time.sleep({LOCK_HELD_S})\n"
)

# A package whose first configure kills dpkg (its parent), as a killed run does; with
# docker-ce unpacked and not configured that is the state an interrupted install leaves.
INTERRUPT_DPKG = """\
set -e
mkdir -p /tmp/interrupted/DEBIAN
printf 'Package: nslab-interrupted-install\\nVersion: 1\\nArchitecture: all\\n\
Maintainer: nslab <root@localhost>\\nDescription: dies like a killed install\\n' \
  > /tmp/interrupted/DEBIAN/control
printf '#!/bin/sh\\n[ -e /var/lib/nslab-interrupted ] && exit 0\\n\
touch /var/lib/nslab-interrupted; kill -9 $PPID\\n' > /tmp/interrupted/DEBIAN/postinst
chmod 0755 /tmp/interrupted/DEBIAN/postinst
dpkg-deb --build /tmp/interrupted /tmp/interrupted.deb >/dev/null
dpkg --unpack /var/cache/apt/archives/docker-ce_*.deb >/dev/null
dpkg --install /tmp/interrupted.deb >/dev/null 2>&1 || true
"""

# apt downloads as _apt; the role's own probes run as root and still get through.
REFUSE_APT = (
    "iptables -I OUTPUT -p tcp -d $(getent hosts {host} | cut -d' ' -f1) --dport {port}"
    " -m owner --uid-owner _apt {limit} -j REJECT --reject-with tcp-reset"
)
# Makes the role download one (tiny) package again.
FORGET_BUILDX = (
    "dpkg --remove docker-buildx-plugin >/dev/null && rm -f /var/cache/apt/archives/*.deb"
)


def assert_engine_answers(host: Container) -> None:
    assert sh(host, "docker info --format '{{.ServerVersion}}'").strip()


def refuse_apt_downloads(host: Container, url: str, limit: str = "") -> None:
    parts = urlsplit(url)
    sh(host, REFUSE_APT.format(host=parts.hostname, port=parts.port or 80, limit=limit))


def test_waits_for_a_held_dpkg_lock(
    host: Container, role_vars: dict[str, object], tmp_path: Path
) -> None:
    host.exec_run(["python3", "-c", HOLD_DPKG_LOCK], detach=True)
    run = converge(host, tmp_path, role_vars)
    assert run.returncode == 0, run.output
    # Said before the wait (from the probe) and after it (by the apt step that waited).
    assert "Waiting up to 600 s for the dpkg lock, held by python3 (pid" in run.text, run.output
    assert re.search(r"Waited \d+ s for the dpkg lock, held by python3 \(pid \d+\)", run.text)
    assert_engine_answers(host)


def test_retries_apt_when_the_repository_is_briefly_unreachable(
    host: Container, role_vars: dict[str, object], tmp_path: Path
) -> None:
    sh(host, FORGET_BUILDX)
    # A 100-byte quota refuses the first connection (one SYN) and lets the next ones through.
    refuse_apt_downloads(host, str(role_vars["docker_engine_mirror"]), "-m quota --quota 100")
    run = converge(host, tmp_path, role_vars)
    sh(host, "iptables -F OUTPUT")
    assert run.returncode == 0, run.output
    assert "FAILED - RETRYING: [" in run.text, run.output
    assert "Docker's install step 4: install the Docker packages" in run.text
    sh(host, "dpkg-query --show docker-buildx-plugin")


def test_unreachable_repository_fails_naming_the_url(
    host: Container, role_vars: dict[str, object], tmp_path: Path
) -> None:
    sh(host, FORGET_BUILDX)
    mirror = str(role_vars["docker_engine_mirror"])
    refuse_apt_downloads(host, mirror)
    run = converge(host, tmp_path, {**role_vars, "docker_engine_download_retries": 1})
    sh(host, "iptables -F OUTPUT")
    assert run.returncode != 0
    assert "apt-get --yes install docker-buildx-plugin failed (exit 100)" in run.text, run.output
    # The pool's layout below linux/debian is the repository's own business.
    fetch = re.escape(f"Failed to fetch {mirror}/linux/debian/") + r"\S*/docker-buildx-plugin_"
    assert re.search(fetch, run.text), run.output
    assert f"Docker's packages come from {mirror}/linux/debian" in run.text


def test_repairs_an_interrupted_package_run(
    host: Container, role_vars: dict[str, object], tmp_path: Path
) -> None:
    sh(host, "apt-get install --reinstall --download-only --yes docker-ce >/dev/null")
    sh(host, INTERRUPT_DPKG)
    assert "dpkg was interrupted" in host.exec_run(["apt-get", "check"]).output.decode()
    run = converge(host, tmp_path, role_vars)
    assert run.returncode == 0, run.output
    repairs = run.output.split("Finish the interrupted package run")[1:]
    assert any("changed: [" in repair[:400] for repair in repairs), run.output
    assert sh(host, "dpkg --audit").strip() == ""
    assert_engine_answers(host)


def test_a_healthy_host_converges_without_changes(
    host: Container, role_vars: dict[str, object], tmp_path: Path
) -> None:
    run = converge(host, tmp_path, role_vars)
    assert run.returncode == 0, run.output
    assert "changed=0" in run.text and "failed=0" in run.text, run.output
