"""`nslab collect` brings the students' own work home, and nothing a host plants there hurts the
instructor. Two real Debian 12 hosts of the test bed hold three students' records in
/var/lib/nslab/students (root-owned, as the contract in the students' command has them); one of
them is also the attacker's: a symbolic link to /etc/shadow among the records, a 1 MiB file, a
FIFO, lines that break the schema, HTML and formulas in names and answers, verdicts its own
records contradict. The instructor types `nslab collect -i INVENTORY` and
`ansible-playbook playbooks/lab.yml -i INVENTORY --tags collect`; what they get is read back
from reports/ as the browser, the spreadsheet and a script would read it.

Until the students' command writes the records itself, the test writes them as root on the
hosts, line by line as the record contract gives them.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shlex
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import docker
import pytest
from docker.models.containers import Container
from test_controller_host_data import elements

from lab.testing import Testbed
from lab.testing.hosts import remove_host, start_host

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
GOLDEN = REPO / "tests" / "golden" / "course-note-cgroup-v2.en.json"
RECORDS_DIR = "/var/lib/nslab/students"
NAMESPACES = ("cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts")
SCRIPT = '<script>document.title="pwned"</script><img src=x onerror="alert(1)">'
FORMULA = '=HYPERLINK("http://evil.invalid","grade")'
# A user name is at most 64 characters in a record: a script that fits.
USER_SCRIPT = "<script>alert(1)</script>"


def check_record(uid: int, user: str, time: str, **changes: Any) -> dict[str, Any]:
    """A `check` record as the students' command writes it: the course note's two containers."""
    namespaces = {
        name: {"observed": side, "expected": side, "matched": True}
        for name in NAMESPACES
        for side in ["same" if name in ("time", "user") else "different"]
    }
    record = {
        "schema": 1,
        "kind": "check",
        "time": time,
        "uid": uid,
        "user": user,
        "command": ["check", "web1", "web2"],
        "matched": True,
        "containers": [
            {"name": "web1", "image": "debian:12", "options": []},
            {"name": "web2", "image": "debian:12", "options": ["--pid host"]},
        ],
        "namespaces": namespaces,
    }
    return record | changes


def answer_record(
    uid: int, user: str, time: str, question: str, answer: str, expected: str, correct: bool
) -> dict[str, Any]:
    return {
        "schema": 1,
        "kind": "answer",
        "time": time,
        "uid": uid,
        "user": user,
        "command": ["quiz", question, "--answer", answer],
        "matched": correct,
        "question": question,
        "answer": answer,
        "expected": expected,
        "correct": correct,
    }


def lines(*records: dict[str, Any] | str) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records)


DIFFER = "cgroup ipc mnt net pid uts"
ALICE = lines(
    check_record(1000, "alice", "2026-12-07T07:00:00+00:00", kind="experiment", command=[]),
    check_record(1000, "alice", "2026-12-07T07:05:00+00:00"),
    answer_record(1000, "alice", "2026-12-07T07:06:00+00:00", "differ", DIFFER, DIFFER, True),
)
BOB = lines(
    answer_record(1001, "bob", "2026-12-07T07:08:00+00:00", "host", "user", "time user", False),
)
# The attacker's own records: one honest check, then everything a root student can write.
PID_NOT_AS_EXPECTED = {"observed": "same", "expected": "different", "matched": False}
CAROL = lines(
    check_record(
        1000,
        USER_SCRIPT,
        "2026-12-07T07:10:00+00:00",
        containers=[{"name": SCRIPT, "image": FORMULA, "options": ["--pid host"]}],
    ),
    answer_record(1000, "carol", "2026-12-07T07:11:00+00:00", "time-user", FORMULA, "time", True),
    # Claims matched while its own table says pid was not as expected.
    check_record(
        1000, "carol", "2026-12-07T07:12:00+00:00", namespaces={"pid": PID_NOT_AS_EXPECTED}
    ),
    # Marks a namespace matched whose observation is not what was expected.
    check_record(
        1000,
        FORMULA,
        "2026-12-07T07:12:30+00:00",
        matched=False,
        namespaces={"net": PID_NOT_AS_EXPECTED | {"matched": True}},
    ),
    "not json at all",
    json.dumps(check_record(1000, "carol", "2026-12-07T07:13:00+00:00", grade="A+")),
    json.dumps(
        answer_record(
            1000, "carol", "2026-12-07T07:14:00+00:00", "differ", "x" * 201, DIFFER, False
        )
    ),
    json.dumps(check_record(0, "root", "2026-12-07T07:15:00+00:00")),
    json.dumps(check_record(1000, "carol", "2026-12-07T07:16:00+00:00") | {"uid": "1000"}),
)


def as_root(host: Container, script: str) -> None:
    result = host.exec_run(["sh", "-c", script])
    assert result.exit_code == 0, result.output.decode(errors="replace")


def write_records(host: Container, files: dict[str, str]) -> None:
    """What the students' command leaves: a root-only directory, one 0600 file per student."""
    as_root(host, f"install -d -m 0700 {RECORDS_DIR}")
    for name, text in files.items():
        as_root(
            host,
            f"umask 077 && printf %s {shlex.quote(text)} > {RECORDS_DIR}/{name}",
        )


@pytest.fixture(scope="module")
def class_hosts(docker_client: docker.DockerClient, testbed: Testbed) -> Iterator[dict[str, Any]]:
    names = {"pc-01": f"nslab-collect-a-{os.getpid()}", "pc-02": f"nslab-collect-b-{os.getpid()}"}
    with ExitStack() as started:
        # Both boot at once: systemd's boot is mostly waiting, and two in a row cost ~8 s more.
        with ThreadPoolExecutor(len(names)) as pool:
            booting = {
                host: pool.submit(start_host, docker_client, testbed.host_image, name,
                                  testbed.network, "collect")
                for host, name in names.items()
            }  # fmt: skip
        for future in booting.values():
            if future.exception() is None:
                started.callback(remove_host, future.result())
        hosts = {host: future.result() for host, future in booting.items()}
        first, second = hosts["pc-01"], hosts["pc-02"]
        write_records(first, {"1000.jsonl": ALICE, "1001.jsonl": BOB})
        write_records(second, {"1000.jsonl": CAROL})
        # The attacker's plants among the records.
        as_root(second, f"ln -s /etc/shadow {RECORDS_DIR}/1002.jsonl")
        as_root(second, f"head -c 1048576 /dev/zero | tr '\\0' 'x' > {RECORDS_DIR}/1003.jsonl")
        as_root(second, f"mkfifo {RECORDS_DIR}/1004.jsonl")
        yield hosts


def on_the_hosts(hosts: dict[str, Container]) -> dict[str, str]:
    """Each host's records directory as the students' command left it: names, kinds, modes,
    owners, times and the regular files' hashes (a collect must change none of it)."""
    return {
        host: container.exec_run(
            ["sh", "-c", f"cd {RECORDS_DIR} && stat -c '%n %F %a %U %Y' * "
                         f"&& sha256sum 1000.jsonl /etc/shadow"]
        ).output.decode(errors="replace")
        for host, container in hosts.items()
    }  # fmt: skip


@pytest.fixture(scope="module")
def lab_class(tmp_path_factory: pytest.TempPathFactory, class_hosts: dict[str, Container]):
    """A class directory whose last provisioning run left a report for pc-01 and a failure for
    pc-02; a controller-side link planted where pc-02's records go."""
    root = tmp_path_factory.mktemp("collect")
    project = root / "project"
    project.mkdir()
    (project / "ansible.cfg").write_bytes((REPO / "ansible.cfg").read_bytes())
    for shared in ("playbooks", "roles"):
        (project / shared).symlink_to(REPO / shared)
    inventory = root / "class.json"
    inventory.write_text(
        json.dumps(
            {
                "lab_vms": {
                    "hosts": {
                        name: {
                            "ansible_connection": "community.docker.docker",
                            "ansible_host": container.name,
                            "ansible_user": "root",
                            "student_id": f"s-{name}",
                        }
                        for name, container in class_hosts.items()
                    },
                    # Where README tells an instructor to choose it: both commands follow it.
                    "vars": {"namespace_lab_reports_dir": str(root / "class-reports")},
                }
            }
        )
    )
    reports = root / "class-reports"
    (reports / "pc-01").mkdir(parents=True)
    report = json.loads(GOLDEN.read_text(encoding="utf-8"))
    report["fingerprint"]["hostname"] = "pc-01"
    (reports / "pc-01" / "report.json").write_text(json.dumps(report), encoding="utf-8")
    sha1 = hashlib.sha1((reports / "pc-01" / "report.json").read_bytes()).hexdigest()
    statuses = [
        {"host": "pc-01", "status": "ok", "reason": "", "student_id": "s-pc-01",
         "report_sha1": sha1},
        {"host": "pc-02", "status": "failed", "reason": "apt-get failed", "student_id": "s-pc-02"},
    ]  # fmt: skip
    subprocess.run(
        [sys.executable, "-m", "lab", "report", "--reports-dir", str(reports), "--statuses", "-",
         "--host=pc-01", "--host=pc-02"],
        input=json.dumps(statuses), text=True, check=True, capture_output=True, cwd=REPO,
    )  # fmt: skip
    (reports / "pc-02" / "students").mkdir()
    (reports / "pc-02" / "students" / "1000.jsonl").symlink_to(root / "outside.txt")
    return project, inventory, root / "outside.txt"


def nslab_collect(project: Path, inventory: Path, *args: str) -> subprocess.CompletedProcess:
    """`nslab collect -i INVENTORY` as README gives it (the console script, the inventory choosing
    the reports directory); --project only keeps this run's runs/ out of the checkout, as the
    other tests of nslab's commands do."""
    return subprocess.run(
        [str(VENV_BIN / "nslab"), "collect", "-i", str(inventory), "--project", str(project),
         *args],
        capture_output=True, text=True, timeout=600, check=False,
        env={**os.environ, "PATH": f"{VENV_BIN}:{os.environ['PATH']}"},
    )  # fmt: skip


def tree(root: Path) -> dict[str, tuple[int, str]]:
    """Every path with its mtime and content hash (playbook_runs.tree_state's, but a dangling
    link planted under reports/ is itself a path here, not followed)."""
    return {
        str(path.relative_to(root)): (
            path.lstat().st_mtime_ns,
            hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "",
        )
        for path in sorted(root.rglob("*"))
    }


@pytest.fixture(scope="module")
def collected(lab_class, class_hosts) -> dict[str, Any]:
    """`nslab collect --check`, then `nslab collect`, as the instructor types them."""
    project, inventory, outside = lab_class
    reports = inventory.parent / "class-reports"
    before = tree(reports)
    hosts_before = on_the_hosts(class_hosts)
    dry = nslab_collect(project, inventory, "--check")
    assert dry.returncode == 0, dry.stdout + dry.stderr
    after_dry = tree(reports)
    done = nslab_collect(project, inventory)
    assert done.returncode == 0, done.stdout + done.stderr
    hosts_after = on_the_hosts(class_hosts)
    summary = json.loads((reports / "summary.json").read_text(encoding="utf-8"))
    students = {(s["host"], s["uid"]): s for s in summary["students_work"]["students"]}
    return {
        "reports": reports, "outside": outside, "stdout": done.stdout, "summary": summary,
        "students": students, "check_mode_unchanged": before == after_dry,
        "project": project, "inventory": inventory,
        "hosts_unchanged": hosts_before == hosts_after and "1000.jsonl regular file 600 root"
        in hosts_after["pc-02"],
    }  # fmt: skip


def test_nslab_collect_brings_three_students_work_into_the_summary(collected) -> None:
    assert "Students' work (self-reported): 3 students on 2 hosts" in collected["stdout"]
    work = collected["summary"]["students_work"]
    assert work["self_reported"] is True
    students = collected["students"]
    assert set(students) == {("pc-01", 1000), ("pc-01", 1001), ("pc-02", 1000)}
    alice, bob = students[("pc-01", 1000)], students[("pc-01", 1001)]
    assert (alice["user"], alice["experiments"], alice["checks"], alice["answers"]) == (
        "alice", 1, 1, 1,
    )  # fmt: skip
    assert alice["last_check"]["command"] == "nslab-experiment check web1 web2"
    assert alice["last_check"]["containers"] == ["web1 (debian:12)", "web2 (debian:12, --pid host)"]
    assert [(a["question"], a["matched"]) for a in alice["last_answers"]] == [("differ", True)]
    assert [(a["question"], a["answer"], a["matched"]) for a in bob["last_answers"]] == [
        ("host", "user", False)
    ]
    assert alice["dropped_lines"] == bob["dropped_lines"] == 0
    # The spreadsheet: one row per student per host.
    with (collected["reports"] / "summary.csv").open(encoding="utf-8-sig", newline="") as table:
        rows = list(csv.DictReader(table))
    assert [(r["host"], r["student_user"]) for r in rows] == [
        ("pc-01", "alice"), ("pc-01", "bob"), ("pc-02", "'" + FORMULA),
    ]  # fmt: skip
    assert rows[0]["answers_correct"] == "1/1" and rows[1]["answers_correct"] == "0/1"


def test_a_collect_keeps_every_hosts_last_report_and_status_and_check_mode_writes_nothing(
    collected,
) -> None:
    assert collected["check_mode_unchanged"], "nslab collect --check wrote under reports/"
    assert collected["hosts_unchanged"], "a collect changed the records on a host"
    hosts = {row["host"]: row for row in collected["summary"]["hosts"]}
    assert hosts["pc-01"]["status"] == "ok" and hosts["pc-01"]["verdict"] != "no report"
    assert hosts["pc-01"]["report"] == "pc-01/report.html"
    assert (hosts["pc-02"]["status"], hosts["pc-02"]["reason"]) == ("failed", "apt-get failed")


def test_broken_and_contradicting_records_are_dropped_counted_or_doubted(collected) -> None:
    carol = collected["students"][("pc-02", 1000)]
    # Four valid records kept, five broken lines dropped and counted, each with its reason.
    assert carol["user"] == FORMULA and carol["checks"] == 3 and carol["answers"] == 1
    assert carol["dropped_lines"] == 5
    problems = " ".join(carol["problems"])
    for why in ("not JSON", "unexpected 'grade'", "more than 200", "in the file of uid 1000"):
        assert why in problems, why
    # Re-checked by the controller: verdicts their own tables contradict, an answer marked
    # correct that is not what the machine showed.
    doubts = [r["doubt"] for r in carol["records"] if r["doubt"]]
    assert carol["doubted_records"] == 3 and len(doubts) == 3
    assert any("answer is not what the machine showed" in d for d in doubts)
    assert any("yet its own table shows pid not as expected" in d for d in doubts)


def test_links_fifos_and_huge_files_among_the_records_get_nothing(collected) -> None:
    (pc02,) = [h for h in collected["summary"]["students_work"]["hosts"] if h["host"] == "pc-02"]
    refused = " ".join(pc02["refused"])
    assert "1002.jsonl: a symbolic link" in refused
    assert "1003.jsonl: larger than 64 KiB" in refused
    assert "1004.jsonl: not a regular file" in refused
    reports = collected["reports"]
    students_dir = reports / "pc-02" / "students"
    assert sorted(p.name for p in students_dir.iterdir()) == ["1000.jsonl", "collect.json"]
    assert "root:" not in (reports / "summary.json").read_text(encoding="utf-8")
    # The link planted on the controller where the records go was replaced, not followed.
    assert not (students_dir / "1000.jsonl").is_symlink() and not collected["outside"].exists()
    assert (students_dir / "1000.jsonl").stat().st_mode & 0o077 == 0


def test_html_and_formulas_in_records_stay_text(collected) -> None:
    reports = collected["reports"]
    page = (reports / "index.html").read_text(encoding="utf-8")
    tags = elements(reports / "index.html")
    assert sum(tag == "script" for tag, _ in tags) == 1
    assert not [tag for tag, _ in tags if tag in ("img", "iframe", "object")]
    assert not [name for _, attrs in tags for name, _ in attrs if name.startswith("on")]
    assert "&lt;script&gt;" in page and "self-reported" in page
    with (reports / "summary.csv").open(encoding="utf-8-sig", newline="") as table:
        rows = list(csv.DictReader(table))
    cells = [cell for row in rows for cell in row.values()]
    assert [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")] == []
    assert rows[2]["last_answers"] == f"time-user: {FORMULA} (correct)"


def test_the_playbooks_collect_tag_does_the_same(collected) -> None:
    reports = collected["reports"]
    (reports / "summary.json").unlink()
    played = subprocess.run(
        [str(VENV_BIN / "ansible-playbook"), "playbooks/lab.yml", "-i",
         str(collected["inventory"]), "--tags", "collect"],
        cwd=collected["project"], capture_output=True, text=True, timeout=600, check=False,
        env={**os.environ, "PATH": f"{VENV_BIN}:{os.environ['PATH']}", "ANSIBLE_NOCOLOR": "1"},
    )  # fmt: skip
    assert played.returncode == 0, played.stdout + played.stderr
    again = json.loads((reports / "summary.json").read_text(encoding="utf-8"))
    assert {(s["host"], s["uid"]) for s in again["students_work"]["students"]} == set(
        collected["students"]
    )
    assert {row["host"]: row["status"] for row in again["hosts"]} == {
        "pc-01": "ok", "pc-02": "failed",
    }  # fmt: skip


def test_a_host_that_does_not_answer_keeps_its_records_and_fails_the_collect(
    collected, class_hosts
) -> None:
    """Last, as it takes pc-02 down: README's promise for a machine gone mid-class."""
    reports = collected["reports"]
    kept = (reports / "pc-02" / "students" / "1000.jsonl").read_bytes()
    class_hosts["pc-02"].kill()
    done = nslab_collect(collected["project"], collected["inventory"])
    assert done.returncode == 1, done.stdout + done.stderr
    assert "1/2 hosts ok; run nslab collect again once they answer (pc-02)" in done.stdout
    summary = json.loads((reports / "summary.json").read_text(encoding="utf-8"))
    assert {(s["host"], s["uid"]) for s in summary["students_work"]["students"]} == set(
        collected["students"]
    )
    assert (reports / "pc-02" / "students" / "1000.jsonl").read_bytes() == kept
    # Its last provisioning's outcome stays: a collect records none.
    assert {row["host"]: row["status"] for row in summary["hosts"]}["pc-02"] == "failed"
