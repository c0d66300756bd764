"""The README's two lock commands, typed as a maintainer types them, in a clone of this checkout
(they write locks/ and .venv-newest/ of the checkout they run in).

Neither asserts today's upstream verdict: a new release that breaks nslab must be *named* by
tests/newest, not block this suite (that is why it is outside tests/run's own install)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# A pin and its hashes, as pip-compile --generate-hashes writes them.
PIN = re.compile(
    r"^([A-Za-z0-9_.-]+)==(\S+) \\\n(?:    --hash=sha256:[0-9a-f]{64}(?: \\)?\n)+", re.M
)


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    target = tmp_path / "nslab"
    subprocess.run(["git", "clone", "-q", str(REPO), str(target)], check=True)
    return target


def _pins(lock: Path) -> dict[str, str]:
    text = lock.read_text()
    pins = dict(PIN.findall(text))
    # Every pin carries its hashes: pip --require-hashes refuses a lock without them.
    assert len(re.findall(r"^\S+==", text, re.M)) == len(pins) > 0
    return pins


def test_locks_refresh_makes_hashed_locks_that_agree(clone: Path) -> None:
    done = subprocess.run(
        ["locks/refresh"], cwd=clone, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    controller = _pins(clone / "locks" / "controller.txt")
    test = _pins(clone / "locks" / "test.txt")
    # The controller's packages are all in the test lock, at the same versions (both venvs run
    # the same ansible), and the build backend is pinned for an install without isolation.
    assert {"ansible", "ansible-core", "ansible-runner", "docker", "setuptools"} <= set(controller)
    assert {name: test.get(name) for name in controller} == controller
    assert {"molecule", "pytest", "ansible-lint"} <= set(test)
    # The AWX execution environment's build tools, at the controller's versions where they share
    # a package (both are installed into the one image).
    build_tools = _pins(clone / "locks" / "execution-environment.txt")
    assert "bindep" in build_tools
    shared = set(build_tools) & set(controller)
    assert {name: build_tools[name] for name in shared} == {
        name: controller[name] for name in shared
    }


def test_tests_newest_names_what_differs_and_gives_a_verdict(clone: Path) -> None:
    done = subprocess.run(
        ["tests/newest"], cwd=clone, capture_output=True, text=True, timeout=1200, check=False
    )
    out = done.stdout
    assert re.search(r"tests/newest: \d+ packages differ from locks/test.txt", out), out
    if done.returncode == 0:
        assert "today's newest versions pass the fast tests" in out, out
    else:
        # Upstream broke something: the command's job is to say what, not to pass.
        assert "these new versions break nslab's fast tests" in out or (
            "no single package breaks them" in out
        ), out + done.stderr
    assert (clone / ".venv-newest" / "bin" / "pytest").exists()
