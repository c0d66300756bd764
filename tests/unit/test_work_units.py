"""tests/run's split of the suite between its two workers (tests/work_units.py)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from work_units import ONE_AT_A_TIME, work_unit

REPO = Path(__file__).resolve().parents[2]


def test_a_files_tests_are_one_unit_and_two_files_are_two() -> None:
    first = "tests/unit/test_vm_inventory.py::test_written_inventory_is_yamllint_clean"
    second = "tests/unit/test_vm_inventory.py::test_ssh_options[vm1]"
    assert work_unit(first) == work_unit(second) == "tests/unit/test_vm_inventory.py"
    assert work_unit("tests/unit/test_vm_machine.py::test_x") != work_unit(first)


def test_files_that_share_the_standin_or_the_checkouts_reports_are_one_unit() -> None:
    standin = {
        work_unit("tests/e2e/test_local_class.py::test_readme_main_job_on_a_fresh_vm[bookworm]"),
        work_unit("tests/e2e/test_local_class.py::test_readme_main_job_on_a_fresh_vm[trixie]"),
    }
    assert len(standin) == 1
    reports = {work_unit(f"{path}::test_x") for path in ONE_AT_A_TIME["the checkout's reports/"]}
    assert len(reports) == 1 and reports != standin


def test_vm_tests_without_the_standin_run_beside_it() -> None:
    """They boot VMs of their own: on the other worker they take time off the suite's longest
    unit instead of adding to it."""
    units = {
        work_unit("tests/e2e/test_local_class.py::test_readme_main_job_on_a_fresh_vm[trixie]"),
        work_unit("tests/e2e/test_vm_lifecycle.py::test_fresh_vm_up_ssh_down_and_fresh_again"),
        work_unit("tests/e2e/test_compare_real.py::test_x"),
    }
    assert len(units) == 3


def test_every_path_named_exists() -> None:
    """A renamed test file must not drop silently out of the unit that keeps it apart."""
    for paths in ONE_AT_A_TIME.values():
        for path in paths:
            assert (REPO / path).exists(), path


def test_the_worker_on_the_longest_unit_queues_only_the_quickest_behind_it(tmp_path: Path) -> None:
    """xdist queues one unit ahead on a busy worker: behind the longest that is the unit collected
    last, while the other worker runs the rest in order."""
    (tmp_path / "conftest.py").write_text(
        "from work_units import scheduler\n\n\n"
        "def pytest_xdist_make_scheduler(config, log):\n"
        "    return scheduler(config, log, longest_unit='test_b_long.py')\n"
    )
    (tmp_path / "test_b_long.py").write_text(
        "import time\n\n\ndef test_1():\n    time.sleep(3)\n\n\ndef test_2():\n    time.sleep(3)\n"
    )
    for name in ("a", "c", "d", "e", "f", "g"):
        (tmp_path / f"test_{name}.py").write_text("def test_1():\n    pass\n")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-n", "2",
         "--no-loadscope-reorder", "-v", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO / "tests")},
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    ran_on: dict[str, list[str]] = {}
    for worker, test in re.findall(r"\[(gw\d)\] \[ *\d+%\] PASSED (\S+)", done.stdout):
        ran_on.setdefault(worker, []).append(test)
    assert sorted(ran_on.values(), key=len) == [
        ["test_b_long.py::test_1", "test_b_long.py::test_2", "test_g.py::test_1"],
        [f"test_{name}.py::test_1" for name in ("a", "c", "d", "e", "f")],
    ], done.stdout
