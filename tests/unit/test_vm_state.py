"""VM state across commands, and the commands that only read or clean it."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from lab.vm.errors import VmError
from lab.vm.keys import ensure_lab_key
from lab.vm.lifecycle import VmOptions, down, status
from lab.vm.ssh import wait_for_ssh
from lab.vm.state import StateDir, VmPaths, VmRecord, process_has_argument


def _record(name: str, pid: int, inventory: Path) -> VmRecord:
    return VmRecord(name, pid, 40000, "tcg", "abc", 2048, 2, str(inventory))


def test_records_round_trip_in_natural_order(tmp_path: Path) -> None:
    state = StateDir(tmp_path)
    for name in ("vm10", "vm2", "vm1"):
        state.paths(name).directory.mkdir()
        state.save(_record(name, 1, tmp_path / "inv.yml"))
    assert [record.name for record in state.records()] == ["vm1", "vm2", "vm10"]
    assert state.records()[0] == _record("vm1", 1, tmp_path / "inv.yml")


def test_a_pid_counts_only_while_it_runs_this_vms_overlay(tmp_path: Path) -> None:
    state = StateDir(tmp_path)
    overlay = str(state.paths("vm1").overlay)
    stand_in = [sys.executable, "-c", "import time; time.sleep(30)", overlay]
    with subprocess.Popen(stand_in) as sleeper:
        try:
            # Until it has exec'd, the child's command line is still pytest's.
            deadline = time.monotonic() + 10
            while not process_has_argument(sleeper.pid, overlay) and time.monotonic() < deadline:
                time.sleep(0.01)
            assert state.is_running(_record("vm1", sleeper.pid, tmp_path))
            # Same PID, another VM's overlay: a reused PID is not this VM.
            assert not state.is_running(_record("vm2", sleeper.pid, tmp_path))
        finally:
            sleeper.kill()
    assert not process_has_argument(sleeper.pid, overlay)


def test_down_cleans_up_vms_whose_qemu_is_already_gone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = StateDir(tmp_path / "state")
    inventory = tmp_path / "local.yml"
    inventory.write_text("lab_vms: {}\n")
    with subprocess.Popen(["true"]) as finished:
        pass
    state.paths("vm1").directory.mkdir(parents=True)
    state.save(_record("vm1", finished.pid, inventory))
    options = VmOptions(cache=tmp_path / "cache", state_dir=state.root, inventory=inventory)

    status(options)
    assert "vm1\tstopped" in capsys.readouterr().out
    assert down(options) == 1
    assert state.records() == [] and not state.paths("vm1").directory.exists()
    assert not inventory.exists()
    assert down(options) == 0


def test_ssh_wait_gives_up_with_the_console_tail_when_qemu_is_gone(tmp_path: Path) -> None:
    paths = VmPaths(tmp_path / "vm1")
    paths.directory.mkdir()
    paths.serial_log.write_text(
        "early boot\nKernel panic - not syncing: VFS: Unable to mount root fs\n"
    )
    key = ensure_lab_key(tmp_path)
    with pytest.raises(VmError, match=r"(?s)qemu exited.*Unable to mount root fs"):
        wait_for_ssh(key.private, 9, "labadmin", paths, 1e12, lambda: False)


def test_lab_key_is_made_once_and_private(tmp_path: Path) -> None:
    first = ensure_lab_key(tmp_path)
    assert first.private.stat().st_mode & 0o777 == 0o600
    assert first.public_line().startswith("ssh-ed25519 ")
    assert ensure_lab_key(tmp_path).public_line() == first.public_line()
