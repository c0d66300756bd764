"""Ownership labels that survive PID reuse, and scenario selection."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lab.experiment.containers import Owner, owner_alive, process_start_time
from lab.experiment.scenarios import SCENARIOS, ContainerSpec, select

BOOT = "47712c07-828a-418a-af8d-fbbe97ff769d"


def test_owner_label_round_trip() -> None:
    owner = Owner(BOOT, 4242, 123456)
    assert Owner.parse(owner.label()) == owner
    assert Owner.parse("garbage") is None


def test_start_time_survives_odd_command_names(tmp_path: Path) -> None:
    stat = tmp_path / "99/stat"
    stat.parent.mkdir()
    fields = " ".join(str(n) for n in range(3, 53))
    stat.write_text(f"99 (a) b (c) {fields}\n")
    assert process_start_time(99, str(tmp_path)) == 22  # field 22


def test_owner_alive_only_for_the_same_boot_pid_and_start() -> None:
    me = Owner.of(os.getpid(), BOOT)
    assert me is not None and owner_alive(me, BOOT)
    assert not owner_alive(me, "another-boot")
    assert not owner_alive(Owner(BOOT, me.pid, me.start_time + 1), BOOT)  # a reused PID


def test_select_scenarios() -> None:
    assert [s.name for s in select([])] == ["baseline"]
    assert [s.name for s in select(["all"])] == list(SCENARIOS)
    with pytest.raises(KeyError):
        select(["nope"])


def test_docker_args_and_first_container_placeholder() -> None:
    spec = SCENARIOS["ipc-container"].second
    assert spec.docker_args() == ["--ipc=container:<first>"]
    assert spec.resolved("abc").ipc_mode == "container:abc"
    assert ContainerSpec().docker_args() == []


def test_only_a_container_joining_the_first_waits_for_it() -> None:
    joining = {name for name, s in SCENARIOS.items() if s.second.joins_first}
    assert joining == {"net-container", "ipc-container"}
    assert not any(s.first.joins_first for s in SCENARIOS.values())
    assert not SCENARIOS["ipc-container"].second.resolved("abc").joins_first
