"""The README's headline command, literally: `ansible-playbook playbooks/lab.yml -i INVENTORY` on
two fresh hosts, nothing pinned (the reports directory, the lab image's source and the
ansible.cfg are the defaults a user gets). Every report and the class summary land in the
project's one reports/, the summary is this run's, the lab image comes from the controller, a
--check run writes nothing there, the same command works from playbooks/, and a report that does
not arrive fails the run."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest
from docker.models.containers import Container
from playbook_runs import (
    PROJECT_DIR,
    VENV_BIN,
    ansible_playbook,
    output_of,
    tree_state,
    write_inventory,
)

from lab.testing import Testbed
from lab.testing.hosts import remove_host, start_host

pytestmark = pytest.mark.integration

HOSTS = tuple(f"nslab-test-headline-{os.getpid()}-{n}" for n in (1, 2))
EARLIER = "nslab-host-of-an-earlier-run"

Run = tuple[subprocess.CompletedProcess[str], float]  # the run and when it started


@pytest.fixture(scope="module")
def class_hosts(docker_client: docker.DockerClient, testbed: Testbed) -> Iterator[list[Container]]:
    hosts: list[Container] = []
    try:
        for name in HOSTS:
            hosts.append(
                start_host(docker_client, testbed.host_image, name, testbed.network, "headline")
            )
        yield hosts
    finally:
        for host in hosts:
            remove_host(host)


@pytest.fixture(scope="module")
def class_variables(testbed: Testbed) -> dict[str, object]:
    """What an instructor's inventory says: Docker's repository (here the stand-in) and its key.
    No namespace_lab_image_archive: the lab image comes from the controller, as by default."""
    variables: dict[str, object] = dict(testbed.role_variables())
    del variables["namespace_lab_image_archive"]
    assert variables["namespace_lab_image"] == "debian:12"  # the role's default image
    return variables


@pytest.fixture(scope="module")
def inventory(
    class_hosts: list[Container],
    class_variables: dict[str, object],
    tmp_path_factory: pytest.TempPathFactory,
) -> Path:
    hosts = {name: {"student_id": f"s{n}"} for n, name in enumerate(HOSTS, 1)}
    return write_inventory(
        tmp_path_factory.mktemp("headline") / "myclass.json", hosts, class_variables
    )


@pytest.fixture(scope="module")
def first_run(inventory: Path, project_reports: Path) -> Run:
    # A host folder an earlier run left: kept on disk, not part of this run's summary.
    earlier = project_reports / EARLIER
    earlier.mkdir(parents=True)
    (earlier / "status.json").write_text(json.dumps({"host": EARLIER, "status": "ok"}))
    started = time.time()
    return ansible_playbook("playbooks/lab.yml", "-i", str(inventory)), started


def summary_of(reports: Path) -> dict[str, dict[str, object]]:
    document = json.loads((reports / "summary.json").read_text())
    return {row["host"]: row for row in document["hosts"]}


def test_reports_and_summary_land_in_the_projects_reports(
    first_run: Run, project_reports: Path, testbed: Testbed
) -> None:
    result, started = first_run
    assert result.returncode == 0, output_of(result)

    for host in HOSTS:
        report = json.loads((project_reports / host / "report.json").read_text())
        assert report["fingerprint"]["hostname"] == host
    rows = summary_of(project_reports)
    assert sorted(rows) == sorted(HOSTS)  # the earlier run's host is not counted
    assert (project_reports / EARLIER / "status.json").is_file()  # ...but kept
    for n, host in enumerate(HOSTS, 1):
        row = rows[host]
        assert (row["status"], row["verdict"], row["student_id"]) == ("ok", "matched", f"s{n}")
        assert str(row["os_release"]).startswith("Debian 12"), row
        assert row["docker_source"] == testbed.standin_base_url
    page = (project_reports / "index.html").read_text()
    assert testbed.standin_base_url in page and "Debian 12" in page
    assert EARLIER not in page
    # Nothing went to the playbooks' directory, where imported plays used to put the summary.
    stray = PROJECT_DIR / "playbooks" / "reports" / "summary.json"
    assert not stray.exists() or stray.stat().st_mtime < started


def test_hosts_load_the_controllers_image_and_pull_nothing(
    first_run: Run, class_hosts: list[Container], docker_client: docker.DockerClient
) -> None:
    result, _ = first_run
    assert result.returncode == 0, output_of(result)
    controller_image = docker_client.images.get("debian:12").id
    for host in class_hosts:
        events = (
            host.exec_run(
                [
                    "docker",
                    "events",
                    "--since",
                    "2000-01-01T00:00:00",
                    "--until",
                    "0s",
                    "--filter",
                    "type=image",
                    "--format",
                    "{{.Action}}",
                ]
            )
            .output.decode()
            .split()
        )
        assert "load" in events and "pull" not in events, events
        image = host.exec_run(["docker", "image", "inspect", "-f", "{{.Id}}", "debian:12"])
        assert image.output.decode().strip() == controller_image


def test_check_mode_writes_nothing_under_reports(
    first_run: Run, inventory: Path, project_reports: Path, class_hosts: list[Container]
) -> None:
    assert first_run[0].returncode == 0
    # Something for --check to find: the lab package gone from one host.
    class_hosts[0].exec_run(["rm", "-rf", "/opt/nslab"])
    before = tree_state(project_reports)

    result = ansible_playbook("playbooks/lab.yml", "-i", str(inventory), "--check", "--diff")
    output = output_of(result)

    assert result.returncode == 0, output
    assert tree_state(project_reports) == before
    assert re.search(rf"{HOSTS[0]} *: ok=\d+ +changed=[1-9]", output), output
    assert re.search(rf"{HOSTS[1]} *: ok=\d+ +changed=0 ", output), output
    assert class_hosts[0].exec_run(["test", "-e", "/opt/nslab"]).exit_code == 1


def test_the_same_command_works_from_the_playbooks_directory(
    first_run: Run, inventory: Path, project_reports: Path, class_hosts: list[Container]
) -> None:
    assert first_run[0].returncode == 0
    generated_before = json.loads((project_reports / "summary.json").read_text())["generated_at"]
    time.sleep(1)  # generated_at has a resolution of one second

    result = ansible_playbook("lab.yml", "-i", str(inventory), cwd=PROJECT_DIR / "playbooks")

    assert result.returncode == 0, output_of(result)
    document = json.loads((project_reports / "summary.json").read_text())
    assert document["generated_at"] != generated_before
    assert sorted(row["host"] for row in document["hosts"]) == sorted(HOSTS)
    assert {row["status"] for row in document["hosts"]} == {"ok"}
    assert not (PROJECT_DIR / "playbooks" / "reports").exists()
    # The project's ansible.cfg applied there too (its profile_tasks recap), and the run
    # repaired what the check run only reported.
    assert "TASKS RECAP" in result.stdout
    assert class_hosts[0].exec_run(["test", "-d", "/opt/nslab/lab"]).exit_code == 0


def test_a_report_that_does_not_arrive_fails_the_run(
    first_run: Run,
    class_variables: dict[str, object],
    project_reports: Path,
    tmp_path: Path,
) -> None:
    assert first_run[0].returncode == 0
    # The class asked for the pages only: no report.json arrives, and an earlier run's is still
    # there. The summary must not pass that one off as this run's.
    hosts = {name: {} for name in HOSTS}
    variables = {**class_variables, "namespace_lab_formats": ["md", "html"]}
    inventory = write_inventory(tmp_path / "pages-only.json", hosts, variables)
    earlier_report = (project_reports / HOSTS[0] / "report.json").read_bytes()

    result = ansible_playbook("playbooks/lab.yml", "-i", str(inventory), "--limit", HOSTS[0])
    output = output_of(result)

    assert result.returncode != 0, output
    assert (project_reports / HOSTS[0] / "report.json").read_bytes() == earlier_report
    assert (
        f"{HOSTS[0]} did not finish: the run finished but no report.json was fetched to "
        f"{project_reports / HOSTS[0]}"
    ) in output
    rows = summary_of(project_reports)
    assert list(rows) == [HOSTS[0]]  # --limit: the run's only host
    assert (rows[HOSTS[0]]["status"], rows[HOSTS[0]]["verdict"]) == ("failed", "no report")


def nslab_provision(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`nslab provision --project PROJECT ARGS`, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "lab", "provision", "--project", str(project), *args],
        env={**os.environ, "PATH": f"{VENV_BIN}:{os.environ['PATH']}", "ANSIBLE_NOCOLOR": "1"},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def summary_files(page: Path) -> dict[str, str]:
    """The class summary next to `page` with its time stamp taken out: what both paths must
    agree on."""
    reports = page.parent
    stamp = json.loads((reports / "summary.json").read_text())["generated_at"]
    return {
        name: (reports / name).read_text(encoding="utf-8-sig").replace(stamp, "STAMP")
        for name in ("summary.json", "summary.csv", "index.html")
    }


def test_nslab_provision_and_the_playbook_write_one_summary_in_the_inventorys_place_and_language(
    first_run: Run, class_variables: dict[str, object], tmp_path: Path
) -> None:
    """README's class inventory, with namespace_lab_reports_dir and namespace_lab_lang: ja in its
    group_vars, run by both commands: the same summary (language, place, host set), and under
    --check neither writes anything. nslab runs from a project of symlinks, whose own work
    directory (runs/) would otherwise also be where its reports go. Every fact is gathered and
    compared at once, so a failure shows each way the two paths differ."""
    assert first_run[0].returncode == 0
    graded = tmp_path / "graded"
    inventory = tmp_path / "class"
    (inventory / "group_vars").mkdir(parents=True)
    hosts = {name: {"student_id": f"s{n}"} for n, name in enumerate(HOSTS, 1)}
    write_inventory(inventory / "hosts.json", hosts, class_variables)
    (inventory / "group_vars" / "all.yml").write_text(
        f"namespace_lab_reports_dir: {graded}\nnamespace_lab_lang: ja\n"
    )
    project = tmp_path / "project"
    project.mkdir()
    for name in ("ansible.cfg", "playbooks", "roles"):
        (project / name).symlink_to(PROJECT_DIR / name)

    by_playbook = ansible_playbook("playbooks/lab.yml", "-i", str(inventory))
    assert by_playbook.returncode == 0, output_of(by_playbook)
    playbook_files = summary_files(graded / "index.html")
    playbook_stamp = json.loads((graded / "summary.json").read_text())["generated_at"]
    time.sleep(1)  # generated_at has a resolution of one second
    by_nslab = nslab_provision(project, "-i", str(inventory))
    assert by_nslab.returncode == 0, output_of(by_nslab)
    # The page nslab's run names as its report, wherever that is.
    nslab_page = Path(re.findall(r"^Report: (.*)$", by_nslab.stdout, re.MULTILINE)[-1])
    nslab_files = summary_files(nslab_page)
    facts = {
        "nslab's page": nslab_page,
        "the inventory's summary rewritten by nslab's run": json.loads(
            (graded / "summary.json").read_text()
        )["generated_at"]
        != playbook_stamp,
        "nslab's page is in Japanese": '<html lang="ja">' in nslab_files["index.html"],
        "nslab's table is in Japanese": "ホスト" in by_nslab.stdout,
        "nslab's summary files are the playbook's": nslab_files == playbook_files,
        "a reports/ in nslab's project": (project / "reports").exists(),
    }

    # Under --check neither path writes anything under a reports directory.
    shutil.rmtree(project / "reports", ignore_errors=True)
    before = tree_state(graded)
    checked_by_playbook = ansible_playbook("playbooks/lab.yml", "-i", str(inventory), "--check")
    checked_by_nslab = nslab_provision(project, "-i", str(inventory), "--check")
    assert checked_by_playbook.returncode == 0, output_of(checked_by_playbook)
    assert checked_by_nslab.returncode == 0, output_of(checked_by_nslab)
    facts |= {
        "--check wrote a summary": tree_state(graded) != before or (project / "reports").exists(),
        "--check says no report was written": "Report: none written (--check)"
        in checked_by_nslab.stdout,
    }

    assert facts == {
        "nslab's page": graded / "index.html",
        "the inventory's summary rewritten by nslab's run": True,
        "nslab's page is in Japanese": True,
        "nslab's table is in Japanese": True,
        "nslab's summary files are the playbook's": True,
        "a reports/ in nslab's project": False,
        "--check wrote a summary": False,
        "--check says no report was written": True,
    }
    rows = summary_of(graded)
    assert sorted(rows) == sorted(HOSTS) and {row["status"] for row in rows.values()} == {"ok"}
