"""Fixtures of the tests that converge the docker_engine role on Debian 12 host containers."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest
from docker.models.containers import Container

from lab.testing import Testbed
from lab.testing.hosts import running_host


@pytest.fixture(scope="module")
def host(
    docker_client: docker.DockerClient, testbed: Testbed, request: pytest.FixtureRequest
) -> Iterator[Container]:
    """One fresh host per test module: its tests run on it in order, each building on the last
    (a fresh host costs about a minute of converge, so cases that can share one do)."""
    purpose = Path(request.module.__file__).stem.removeprefix("test_").replace("_", "-")
    name = f"nslab-test-{purpose}-{os.getpid()}"
    with running_host(docker_client, testbed.host_image, name, testbed.network, purpose) as host:
        yield host


@pytest.fixture
def role_vars(testbed: Testbed) -> dict[str, object]:
    """The role's variables that point it at the test bed's stand-in for download.docker.com."""
    return testbed.role_variables()
