"""The built-in default class: which local VMs count as running, and bad input."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
import yaml

from lab.errors import LabError
from lab.provision.config import ProvisionRequest
from lab.provision.local import _local_vms_answer, provision_local


def _inventory(path: Path, ports: list[int]) -> Path:
    hosts = {
        f"vm{n}": {"ansible_host": "127.0.0.1", "ansible_port": port}
        for n, port in enumerate(ports, 1)
    }
    path.write_text(yaml.safe_dump({"lab_vms": {"hosts": hosts}}))
    return path


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_no_inventory_means_no_running_vms(tmp_path: Path) -> None:
    assert not _local_vms_answer(tmp_path / "local.yml")


def test_vms_count_as_running_only_when_every_ssh_port_answers(tmp_path: Path) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        open_port = listener.getsockname()[1]
        assert _local_vms_answer(_inventory(tmp_path / "one.yml", [open_port]))
        assert not _local_vms_answer(_inventory(tmp_path / "two.yml", [open_port, _closed_port()]))


def test_an_empty_lab_vms_group_is_not_a_running_class(tmp_path: Path) -> None:
    assert not _local_vms_answer(_inventory(tmp_path / "empty.yml", []))


def test_unknown_docker_repo_is_refused_before_anything_starts(tmp_path: Path) -> None:
    with pytest.raises(LabError, match="--docker-repo mirror: choose one of auto, docker, standin"):
        provision_local(ProvisionRequest(project_dir=tmp_path, docker_repo="mirror", vms=1))


def test_a_project_that_is_not_one_is_refused_before_any_vm_boots(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = tmp_path / "cache"
    monkeypatch.setenv("NSLAB_CACHE", str(state))
    with pytest.raises(LabError, match=r"is not an nslab project \(no ansible\.cfg there\)"):
        provision_local(
            ProvisionRequest(project_dir=tmp_path / "elsewhere", docker_repo="standin", vms=1)
        )
    assert not state.exists(), "nothing may be built or booted"


def test_unknown_release_is_refused_before_anything_starts(tmp_path: Path) -> None:
    with pytest.raises(LabError, match="'forky': choose one of bookworm, trixie"):
        provision_local(
            ProvisionRequest(project_dir=tmp_path, docker_repo="auto", vms=1, release="forky")
        )
