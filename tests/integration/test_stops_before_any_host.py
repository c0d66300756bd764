"""Bad input the playbooks catch before they contact any host, each with one message saying what
to do: an inventory whose machines are not in the lab_vms group, and a controller without the
Docker engine the lab image comes from by default."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playbook_runs import DOCKER_CONNECTION, PROJECT_DIR, ansible_playbook, output_of, tree_state

pytestmark = pytest.mark.integration

# Containers that do not exist: any attempt to reach them would show in the output.
HOSTS = ("nslab-test-no-group-1", "nslab-test-no-group-2")


def write_class(path: Path, group: str) -> Path:
    path.write_text(json.dumps({group: {"hosts": {name: DOCKER_CONNECTION for name in HOSTS}}}))
    return path


@pytest.mark.parametrize("playbook", ["lab.yml", "experiment.yml"])
def test_no_lab_vms_group_stops_before_any_connection(playbook: str, tmp_path: Path) -> None:
    inventory = write_class(tmp_path / "class.json", "students")
    reports = PROJECT_DIR / "reports"
    before = tree_state(reports) if reports.exists() else None

    result = ansible_playbook(f"playbooks/{playbook}", "-i", str(inventory))
    output = output_of(result)

    assert result.returncode == 2, output
    assert (
        "The inventory has no hosts in the lab_vms group (its groups: students). List your "
        "class's machines under lab_vms"
    ) in output
    assert not any(f"[{name}]" in output for name in HOSTS), output
    assert (tree_state(reports) if reports.exists() else None) == before


def test_a_controller_without_docker_stops_before_any_host(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inventory = write_class(tmp_path / "class.json", "lab_vms")
    # What the controller's Docker modules see on a machine without an engine: no socket.
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path / 'no-engine.sock'}")

    result = ansible_playbook("playbooks/lab.yml", "-i", str(inventory))
    output = output_of(result)

    assert result.returncode == 2, output
    assert "its Docker engine does not answer" in output
    assert "Install and start Docker on the controller" in output
    assert "namespace_lab_image_archive" in output and "namespace_lab_image_source: pull" in output
    assert "Reach the host" not in output  # the run ended before preflight contacted anyone
