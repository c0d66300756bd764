"""The class summary built from real report files: rows, statuses, JSON, CSV and the CLI."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
from pathlib import Path

import pytest
from summary_reports import make_report, write_host

from lab.cli import main
from lab.summary import HostOutcome, write_class_summary


@pytest.fixture
def class_reports(tmp_path: Path) -> Path:
    write_host(
        tmp_path,
        "vm-b",
        report=make_report("vm-b", "20.10.24"),
        status={
            "status": "ok",
            "reason": "",
            "student_id": "s002",
            "os": {"distribution": "Debian", "version": "12.11", "codename": "bookworm"},
            "docker_source": "http://mirror.school.example/docker",
        },
    )
    write_host(
        tmp_path,
        "vm-a",
        report=make_report("vm-a", "29.1.0", mismatched=("cgroup",)),
        status={"status": "ok", "reason": "", "student_id": "s001"},
    )
    write_host(
        tmp_path,
        "vm-c",
        status={
            "status": "unreachable",
            "reason": "Failed to connect to the host via ssh: Connection refused",
            "student_id": "s003",
        },
    )
    return tmp_path


def test_rows_follow_reports_and_status_files(class_reports: Path) -> None:
    summary = write_class_summary(class_reports)

    by_host = {row.host: row for row in summary.rows}
    assert [row.student_id for row in summary.rows] == ["s001", "s002", "s003"]
    assert by_host["vm-a"].verdict == "mismatches"
    assert by_host["vm-a"].mismatches == ("baseline/namespace:cgroup",)
    assert by_host["vm-a"].docker_version == "29.1.0"
    assert by_host["vm-b"].verdict == "matched"
    assert by_host["vm-b"].report_link == "vm-b/report.html"
    assert by_host["vm-b"].os_release == "Debian 12.11 (bookworm)"
    assert by_host["vm-b"].docker_source == "http://mirror.school.example/docker"
    assert by_host["vm-a"].os_release is None
    assert by_host["vm-c"].status == "unreachable"
    assert "Connection refused" in by_host["vm-c"].reason
    assert not by_host["vm-c"].docker_installed
    assert by_host["vm-c"].report_link is None
    assert summary.counts == {
        "hosts": 3,
        "ok": 2,
        "failed": 0,
        "unreachable": 1,
        "unknown": 0,
        "mismatched": 1,
    }
    assert not summary.all_ok


def test_summary_json_and_csv_carry_every_host(class_reports: Path) -> None:
    summary = write_class_summary(class_reports)

    document = json.loads(summary.summary_json.read_text())
    assert document["schema"] == "nslab.class-summary"
    assert document["schema_version"] == 1
    assert [host["host"] for host in document["hosts"]] == ["vm-a", "vm-b", "vm-c"]
    assert document["hosts"][0]["mismatches"] == ["baseline/namespace:cgroup"]
    assert document["hosts"][1]["os_release"] == "Debian 12.11 (bookworm)"
    assert document["hosts"][1]["docker_source"] == "http://mirror.school.example/docker"

    with summary.summary_csv.open(encoding="utf-8-sig", newline="") as handle:
        records = list(csv.DictReader(handle))
    assert [r["student_id"] for r in records] == ["s001", "s002", "s003"]
    assert records[0]["mismatch_count"] == "1"
    assert records[1]["docker_installed"] == "yes"
    assert records[1]["report"] == "vm-b/report.html"
    assert records[1]["os_release"] == "Debian 12.11 (bookworm)"
    assert records[1]["docker_source"] == "http://mirror.school.example/docker"
    assert records[2]["docker_installed"] == "no"
    assert records[2]["status"] == "unreachable"


def test_outcomes_from_the_caller_win_over_status_files(class_reports: Path) -> None:
    outcomes = {
        "vm-b": HostOutcome("vm-b", "failed", "docker_engine: apt failed"),
        "vm-new": HostOutcome("vm-new", "unreachable", "no route to host"),
    }
    summary = write_class_summary(class_reports, outcomes)

    by_host = {row.host: row for row in summary.rows}
    assert by_host["vm-b"].status == "failed"
    assert by_host["vm-b"].reason == "docker_engine: apt failed"
    # The student id still comes from what the playbook recorded for the host.
    assert by_host["vm-b"].student_id == "s002"
    # A failed host's older report is not presented as this run's result.
    assert by_host["vm-b"].verdict == "no report"
    assert by_host["vm-new"].status == "unreachable"
    # The outcomes name the run's hosts: the others' folders are from earlier runs.
    assert set(by_host) == {"vm-b", "vm-new"}


def test_the_summary_counts_the_hosts_of_this_run_only(class_reports: Path) -> None:
    summary = write_class_summary(class_reports, hosts=["vm-a", "vm-c"])

    assert [row.host for row in summary.rows] == ["vm-a", "vm-c"]
    assert summary.counts["hosts"] == 2
    assert (class_reports / "vm-b" / "report.json").is_file()  # kept on disk, not counted
    page = summary.index_html.read_text()
    assert 'data-host="vm-a"' in page and 'data-host="vm-b"' not in page


def test_a_rebuild_keeps_the_last_runs_hosts_still_on_disk(class_reports: Path) -> None:
    write_class_summary(class_reports, hosts=["vm-a", "vm-b"])
    shutil.rmtree(class_reports / "vm-b")  # reset.yml removed it

    assert [row.host for row in write_class_summary(class_reports).rows] == ["vm-a"]
    shutil.rmtree(class_reports / "vm-a")
    # Every host of the last run is gone: an empty summary, not the stale vm-c.
    assert write_class_summary(class_reports).rows == ()


def test_a_finished_host_without_its_report_is_failed(tmp_path: Path) -> None:
    write_host(tmp_path, "lost-report", status={"status": "ok", "student_id": "s009"})

    summary = write_class_summary(tmp_path, hosts=["lost-report", "never-seen"])

    by_host = {row.host: row for row in summary.rows}
    assert (by_host["lost-report"].status, by_host["lost-report"].verdict) == (
        "failed",
        "no report",
    )
    assert by_host["lost-report"].reason.startswith("the run finished but no report.json was")
    assert by_host["never-seen"].status == "unknown"
    assert summary.counts["ok"] == 0


def test_an_earlier_runs_report_is_not_this_runs(tmp_path: Path) -> None:
    host_dir = write_host(tmp_path, "vm-a", report=make_report("vm-a", "20.10.24"))
    this_runs = hashlib.sha1(b"the report this run fetched elsewhere").hexdigest()
    write_host(tmp_path, "vm-a", status={"status": "ok", "report_sha1": this_runs})

    (row,) = write_class_summary(tmp_path, hosts=["vm-a"]).rows
    assert (row.status, row.verdict) == ("failed", "no report")
    assert row.reason == f"the run finished but no report.json was fetched to {host_dir}"

    write_host(tmp_path, "vm-a", status={"status": "ok", "report_sha1": ""})  # none fetched
    (row,) = write_class_summary(tmp_path, hosts=["vm-a"]).rows
    assert (row.status, row.verdict) == ("failed", "no report")

    fetched = hashlib.sha1((host_dir / "report.json").read_bytes()).hexdigest()
    write_host(tmp_path, "vm-a", status={"status": "ok", "report_sha1": fetched})
    (row,) = write_class_summary(tmp_path, hosts=["vm-a"]).rows
    assert (row.status, row.verdict) == ("ok", "matched")


def test_damaged_files_become_reasons_not_crashes(tmp_path: Path) -> None:
    write_host(tmp_path, "garbled", status={"status": "ok"})
    (tmp_path / "garbled" / "report.json").write_text("{not json")
    write_host(tmp_path, "future", status={"status": "ok"})
    (tmp_path / "future" / "report.json").write_text(json.dumps({"schema_version": "2.0"}))
    write_host(tmp_path, "no-report", status={"status": "ok"})
    write_host(tmp_path, "odd-status", status={"status": "exploded"})

    by_host = {row.host: row for row in write_class_summary(tmp_path).rows}
    assert "report.json unreadable" in by_host["garbled"].reason
    assert "not supported" in by_host["future"].reason
    assert by_host["no-report"].reason == (
        f"the run finished but no report.json was fetched to {tmp_path / 'no-report'}"
    )
    assert by_host["odd-status"].status == "unknown"
    assert all(row.verdict == "no report" for row in by_host.values())


def test_a_report_without_status_file_counts_as_finished(tmp_path: Path) -> None:
    write_host(tmp_path, "by-hand", report=make_report("by-hand", "24.0.7"))

    (row,) = write_class_summary(tmp_path).rows
    assert (row.status, row.verdict, row.report_link) == ("ok", "matched", "by-hand/report.html")
    # The page is rendered on the controller from the report.


def test_report_command_prints_the_table(
    class_reports: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "--reports-dir", str(class_reports), "--host", "vm-a"]) == 0
    assert "vm-c" not in capsys.readouterr().out
    assert main(["report", "--reports-dir", str(class_reports), "--host=vm-a", "--host=vm-c"]) == 0

    out = capsys.readouterr().out
    assert "vm-a" in out and "baseline/namespace:cgroup" in out
    assert "Connection refused" in out and "vm-b" not in out
    assert str((class_reports / "index.html").resolve()) in out
    assert (class_reports / "summary.csv").is_file()


def test_report_command_explains_a_missing_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "--reports-dir", str(tmp_path / "nothing")]) == 2

    err = capsys.readouterr().err
    assert err.startswith("nslab: no reports directory at ")
    assert "Traceback" not in err
