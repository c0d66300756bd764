"""Session fixtures shared by every test directory."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

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


REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project of its own: the checkout's playbooks and roles, with runs/ and reports/ in a
    directory of the test's, as a second class directory would be."""
    root = tmp_path / "project"
    root.mkdir()
    shutil.copy(REPO / "ansible.cfg", root / "ansible.cfg")
    for shared in ("playbooks", "roles"):
        (root / shared).symlink_to(REPO / shared)
    return root
