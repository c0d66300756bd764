"""The runs directory: fresh private_data_dirs, records, rotation, the last run per inventory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lab.cli import main
from lab.errors import LabError
from lab.provision.runs import RunRecord, RunsDir
from lab.provision.secrets import REDACTED, redact, scrub_command_file
from lab.summary.model import HostOutcome


def record_for(run_id: str, inventory: str, *outcomes: HostOutcome) -> RunRecord:
    return RunRecord(
        run_id=run_id,
        started="2026-01-01T00:00:00+00:00",
        playbook="/p/playbooks/lab.yml",
        inventory=inventory,
        limit=None,
        check=False,
        extravars={},
        status="failed" if any(o.status != "ok" for o in outcomes) else "successful",
        hosts=list(outcomes),
    )


def test_each_run_gets_a_fresh_private_directory(tmp_path: Path) -> None:
    runs = RunsDir(tmp_path / "runs")
    first, second = runs.new_run(), runs.new_run()
    assert first.path != second.path
    assert list(first.path.iterdir()) == []
    assert first.path.stat().st_mode & 0o777 == 0o700
    assert first.artifact_dir == first.path / "artifacts" / first.run_id


def test_record_round_trip(tmp_path: Path) -> None:
    run = RunsDir(tmp_path / "runs").new_run()
    record = record_for(
        run.run_id,
        "/class.ini",
        HostOutcome("vm1", "ok"),
        HostOutcome("vm2", "unreachable", "Connection refused"),
    )
    run.save(record)
    loaded = run.load()
    assert loaded == record
    assert loaded is not None and loaded.failed_hosts == ["vm2"]


def test_rotation_keeps_the_newest(tmp_path: Path) -> None:
    runs = RunsDir(tmp_path / "runs", keep=2)
    made = [runs.new_run() for _ in range(4)]
    deleted = runs.rotate()
    assert [r.path for r in deleted] == [r.path for r in made[:2]]
    assert [r.path for r in runs.runs()] == [r.path for r in made[2:]]


def test_keep_must_leave_room_for_the_current_run(tmp_path: Path) -> None:
    with pytest.raises(LabError, match="keep at least 1"):
        RunsDir(tmp_path, keep=0)


def test_last_record_is_per_inventory_and_skips_unfinished(tmp_path: Path) -> None:
    runs = RunsDir(tmp_path / "runs")
    older = runs.new_run()
    older.save(record_for(older.run_id, "/a.ini", HostOutcome("vm1", "failed", "boom")))
    other = runs.new_run()
    other.save(record_for(other.run_id, "/b.ini", HostOutcome("vm9", "ok")))
    unfinished = runs.new_run()
    running = record_for(unfinished.run_id, "/a.ini")
    running.status = "running"
    unfinished.save(running)
    # `nslab collect` provisions nothing: --retry-failed looks past it to the last provisioning.
    collect = runs.new_run()
    collected = record_for(collect.run_id, "/a.ini", HostOutcome("vm1", "ok"))
    collected.tags = ["collect"]
    collect.save(collected)
    last = runs.last_record(Path("/a.ini"))
    assert last is not None and last.run_id == older.run_id


def test_runs_command_lists_status(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "ansible.cfg").write_text("[defaults]\n")
    runs = RunsDir(tmp_path / "runs")
    run = runs.new_run()
    record = record_for(
        run.run_id, "/a.ini", HostOutcome("vm1", "ok"), HostOutcome("vm2", "failed", "x")
    )
    record.docker_source = "download.docker.com"
    run.save(record)
    older_kind = runs.new_run()  # a record from before runs said where Docker came from
    data = json.loads(record.to_json())
    del data["docker_source"]
    (older_kind.path / "run.json").write_text(json.dumps({**data, "run_id": older_kind.run_id}))
    assert main(["runs", "--project", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["RUN", "STATUS", "HOSTS", "FAILED", "DOCKER", "PLAYBOOK"]
    assert lines[1].split() == [
        run.run_id, "failed", "1/2", "ok", "vm2", "download.docker.com", "lab.yml"
    ]  # fmt: skip
    assert lines[2].split()[-2:] == ["-", "lab.yml"]


def test_runs_of_a_project_that_is_not_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["runs", "--project", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("nslab: --project") and "no ansible.cfg there" in err


def test_redact_by_name() -> None:
    assert redact(
        {"ANSIBLE_BECOME_PASS": "x", "VAULT_PASSWORD_FILE": "/f", "api_token": "t", "PATH": "/bin"}
    ) == {
        "ANSIBLE_BECOME_PASS": REDACTED,
        "VAULT_PASSWORD_FILE": REDACTED,
        "api_token": REDACTED,
        "PATH": "/bin",
    }


def test_scrub_command_file_keeps_the_rest(tmp_path: Path) -> None:
    command = tmp_path / "command"
    command.write_text(
        json.dumps(
            {
                "command": ["ansible-playbook", "x.yml"],
                "cwd": "/p",
                "env": {"ANSIBLE_BECOME_PASSWORD": "hunter2", "ANSIBLE_CONFIG": "/p/ansible.cfg"},
            }
        )
    )
    scrub_command_file(tmp_path)
    scrubbed = json.loads(command.read_text())
    assert scrubbed["env"] == {
        "ANSIBLE_BECOME_PASSWORD": REDACTED,
        "ANSIBLE_CONFIG": "/p/ansible.cfg",
    }
    assert scrubbed["command"] == ["ansible-playbook", "x.yml"]
