"""Session fixtures shared by every test directory."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import docker.errors
import pytest
from work_units import scheduler

from lab.testing import Testbed, down, up

REPO = Path(__file__).resolve().parent.parent
# A worker that started the test bed says so to the process that started the workers.
TESTBED_STARTED = "nslab_testbed_started"
_TESTBED_TO_TAKE_DOWN = pytest.StashKey[bool]()


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
def testbed(
    docker_client: docker.DockerClient, request: pytest.FixtureRequest
) -> Iterator[Testbed]:
    """The test bed, up once per session. Nothing is exported: Molecule's scenarios bring up (or
    reuse) the test bed themselves, as `molecule test` typed by hand does.

    Taken down at the end of the run only if this run started the server and nobody else's
    containers still use its network (other sessions on the machine may share it).
    """
    bed = up()
    yield bed
    if bed.started_server:
        _take_the_testbed_down_when_the_run_ends(request.config)


@pytest.hookimpl(optionalhook=True)  # an xdist hook: `pytest -p no:xdist` still works
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Tests distributed to the workers by their unit of work (work_units.py)."""
    return scheduler(config, log)


def _take_the_testbed_down_when_the_run_ends(config: pytest.Config) -> None:
    worker_output = getattr(config, "workeroutput", None)
    if worker_output is None:  # no workers: this session is the whole run
        down(only_if_unused=True)
    else:  # another worker may still use it: the process that started the workers takes it down
        worker_output[TESTBED_STARTED] = True


@pytest.hookimpl(optionalhook=True)  # an xdist hook: `pytest -p no:xdist` still works
def pytest_testnodedown(node: Any, error: object) -> None:
    if node.workeroutput.get(TESTBED_STARTED):
        node.config.stash[_TESTBED_TO_TAKE_DOWN] = True


def pytest_sessionfinish(session: pytest.Session) -> None:
    if session.config.stash.get(_TESTBED_TO_TAKE_DOWN, False):
        down(only_if_unused=True)


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
