"""The Molecule `default` scenario, run as `molecule test` typed in the checkout (nothing exported:
the scenario brings up or reuses the test bed itself): docker_engine converges on four fresh
hosts at once — Debian 12 and Debian 13, each with the course note's docker.list and with
Docker's current docker.sources — against the stand-in repository, is idempotent, and verify.yml
proves the engine on each host. The wall time is printed (`pytest -s` shows it)."""

from __future__ import annotations

import re

import pytest
from as_typed import molecule

from lab.testing import Testbed

pytestmark = pytest.mark.molecule


def test_molecule_test_passes_as_typed(testbed: Testbed) -> None:
    run = molecule("test")
    for action in ("create", "converge", "idempotence", "verify", "destroy"):
        assert f"[default > {action}] Executed: Successful" in run.output, run.output
    # create.yml found the session's test bed running and reused it (it reports a change when it
    # has to start the stand-in server).
    reused = r"TASK \[Bring up the test bed, or reuse the running one\].*\n.*\nok: \[localhost\]"
    assert re.search(reused, run.action("default", "create")), run.output
    # Every platform went through the converge: one recap line per host, none failed.
    recap = re.findall(r"-molecule-(\w+)-(\w+)\s+: ok=\d+.*\sfailed=0\s", run.output)
    assert set(recap) == {
        (release, source) for release in ("bookworm", "trixie") for source in ("list", "sources")
    }, run.output
    print(f"\ndefault scenario, four hosts: {run.seconds:.0f} s")


def test_without_a_docker_engine_create_stops_with_one_line_saying_what_to_start() -> None:
    # DOCKER_HOST as a user may set it, at an engine that is not there (a few seconds).
    run = molecule("create", expect_failure=True, DOCKER_HOST="unix:///nonexistent/docker.sock")
    create = run.action("default", "create")
    said = [line for line in create.splitlines() if line.startswith("[ERROR]: ")]
    assert len(said) == 1, create
    assert "nslab: cannot reach dockerd" in said[0] and "start dockerd" in said[0], create
    assert "TASK [Start each platform" not in create, create  # no host was started
