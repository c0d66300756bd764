"""Session fixtures shared by every test directory."""

from __future__ import annotations

from collections.abc import Iterator

import docker
import docker.errors
import pytest

from lab.testing import Testbed, down, up


@pytest.fixture(scope="session")
def docker_client() -> Iterator[docker.DockerClient]:
    """The machine's dockerd; its absence is a broken setup, not a reason to skip."""
    try:
        client = docker.from_env()
        client.ping()
    except docker.errors.DockerException as error:
        pytest.fail(
            f"dockerd does not answer ({error}): start dockerd (tests/run and CI do) and rerun",
            pytrace=False,
        )
    yield client
    client.close()


@pytest.fixture(scope="session")
def testbed(docker_client: docker.DockerClient) -> Iterator[Testbed]:
    """The test bed, up once per session. Nothing is exported: Molecule's scenarios bring up (or
    reuse) the test bed themselves, as `molecule test` typed by hand does.

    Taken down at the end only if this session started the server and nobody else's containers
    still use its network (other sessions on the machine may share it).
    """
    bed = up()
    yield bed
    if bed.started_server:
        down(only_if_unused=True)
