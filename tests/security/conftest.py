"""Fixtures of the attack tests: real Debian 12 host containers of the test bed."""

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

# The helpers that converge the roles on a test-bed host live with the Molecule tests
# (docker_engine_host.py); these tests use them rather than a copy.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "molecule"))
# util-linux's lsns, the oracle the students' check is held to, as the experiment's tests use it.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))


@pytest.fixture(scope="module")
def host(
    docker_client: docker.DockerClient, testbed: Testbed, request: pytest.FixtureRequest
) -> Iterator[Container]:
    """One fresh host per test module, shared by its attacks (a converge costs about a minute)."""
    purpose = Path(request.module.__file__).stem.removeprefix("test_").replace("_", "-")
    name = f"nslab-security-{purpose}-{os.getpid()}"
    with running_host(docker_client, testbed.host_image, name, testbed.network, purpose) as host:
        yield host
