"""tests/run's split of the suite between its two workers (tests/work_units.py)."""

from __future__ import annotations

from pathlib import Path

from work_units import ONE_AT_A_TIME, work_unit

REPO = Path(__file__).resolve().parents[2]


def test_a_files_tests_are_one_unit_and_two_files_are_two() -> None:
    first = "tests/unit/test_vm_inventory.py::test_written_inventory_is_yamllint_clean"
    second = "tests/unit/test_vm_inventory.py::test_ssh_options[vm1]"
    assert work_unit(first) == work_unit(second) == "tests/unit/test_vm_inventory.py"
    assert work_unit("tests/unit/test_vm_machine.py::test_x") != work_unit(first)


def test_files_that_share_the_local_vms_or_the_checkouts_reports_are_one_unit() -> None:
    vms = {
        work_unit("tests/e2e/test_local_class.py::test_readme_main_job_on_a_fresh_vm[bookworm]"),
        work_unit("tests/e2e/test_local_class.py::test_readme_main_job_on_a_fresh_vm[trixie]"),
        work_unit("tests/e2e/test_vm_lifecycle.py::test_fresh_vm_up_ssh_down_and_fresh_again"),
        work_unit("tests/e2e/test_a_new_one.py::test_x"),
    }
    assert len(vms) == 1
    reports = {work_unit(f"{path}::test_x") for path in ONE_AT_A_TIME["the checkout's reports/"]}
    assert len(reports) == 1 and reports != vms


def test_every_path_named_exists() -> None:
    """A renamed test file must not drop silently out of the unit that keeps it apart."""
    for paths in ONE_AT_A_TIME.values():
        for path in paths:
            assert (REPO / path).exists(), path
