"""docker_engine_apt_proxy: a class's hosts fetch their packages through one shared apt-cacher-ng.

Two fresh hosts converge one after the other behind an empty cache on the test bed's network:
the first fills it from upstream (Debian's mirror and the stand-in for download.docker.com), the
second is served from it. Then the setting is taken away again, and a malformed one is refused.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest
from docker.models.containers import Container
from docker_engine_host import apt_configuration, converge, sh

from lab.testing import Testbed
from lab.testing.aptcache import AptCache, received_bytes, start_apt_cache
from lab.testing.hosts import running_host

pytestmark = pytest.mark.molecule

PROXY_CONF = "/etc/apt/apt.conf.d/80docker-engine-proxy"


@pytest.fixture(scope="module")
def apt_cache(docker_client: docker.DockerClient, testbed: Testbed) -> Iterator[AptCache]:
    cache = start_apt_cache(docker_client, testbed.network, f"nslab-test-apt-cache-{os.getpid()}")
    yield cache
    cache.remove()


@pytest.fixture(scope="module")
def second_host(docker_client: docker.DockerClient, testbed: Testbed) -> Iterator[Container]:
    name = f"nslab-test-shared-apt-cache-2-{os.getpid()}"
    with running_host(
        docker_client, testbed.host_image, name, testbed.network, "apt-cache"
    ) as host:
        yield host


def served_from_cache(cache: AptCache) -> str:
    """apt-cacher-ng's transfer log: one `time|O|bytes|client|path` line per file it served."""
    return sh(cache.container, "cat /var/log/apt-cacher-ng/apt-cacher.log")


def test_the_first_host_fills_the_cache(
    host: Container, apt_cache: AptCache, role_vars: dict[str, object], tmp_path: Path
) -> None:
    run = converge(host, tmp_path, {**role_vars, "docker_engine_apt_proxy": apt_cache.url})
    assert run.returncode == 0, run.output
    assert sh(host, f"cat {PROXY_CONF}").endswith(f'Acquire::http::Proxy "{apt_cache.url}";\n')
    log = served_from_cache(apt_cache)
    # Both upstreams went through it: Debian's curl and the engine from the stand-in.
    assert "|O|" in log and "/curl_" in log and "/docker-ce_" in log, log
    # What the host downloaded came to the cache from upstream first (all but the signing key
    # and the repository probe, which the role fetches directly).
    assert apt_cache.received_bytes() > 0.9 * received_bytes(host)


def test_the_second_host_is_served_from_the_cache(
    second_host: Container, apt_cache: AptCache, role_vars: dict[str, object], tmp_path: Path
) -> None:
    upstream_before = apt_cache.received_bytes()
    run = converge(second_host, tmp_path, {**role_vars, "docker_engine_apt_proxy": apt_cache.url})
    assert run.returncode == 0, run.output
    downloaded = received_bytes(second_host)
    fetched_again = apt_cache.received_bytes() - upstream_before
    # The second host got its ~100 MB; the cache fetched only what apt always re-validates
    # (release files) plus the host's own requests.
    assert downloaded > 50_000_000, downloaded
    assert fetched_again < downloaded / 10, (fetched_again, downloaded)


def test_a_converged_host_behind_the_cache_reruns_without_changes(
    host: Container, apt_cache: AptCache, role_vars: dict[str, object], tmp_path: Path
) -> None:
    run = converge(host, tmp_path, {**role_vars, "docker_engine_apt_proxy": apt_cache.url})
    assert run.returncode == 0, run.output
    assert "changed=0" in run.text and "failed=0" in run.text, run.output


def test_unsetting_the_proxy_removes_it(
    host: Container, role_vars: dict[str, object], tmp_path: Path
) -> None:
    run = converge(host, tmp_path, {**role_vars, "docker_engine_apt_proxy": ""})
    assert run.returncode == 0, run.output
    assert "changed=1" in run.text, run.output
    assert host.exec_run(["test", "-e", PROXY_CONF]).exit_code == 1


def test_a_malformed_proxy_is_refused_before_any_change(
    host: Container, role_vars: dict[str, object], tmp_path: Path
) -> None:
    before = apt_configuration(host)
    run = converge(host, tmp_path, {**role_vars, "docker_engine_apt_proxy": "cache.lan:3142"})
    assert run.returncode != 0
    assert "docker_engine_apt_proxy must be the caching proxy's http URL" in run.text, run.output
    assert 'got "cache.lan:3142"' in run.text
    assert apt_configuration(host) == before
