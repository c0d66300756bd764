"""The controller is shared and runs fail: each test is a real run of the project's playbooks or
of `nslab provision` on this machine (hosts on the local connection, or hosts that do not exist
where nothing may connect), attacked the way a class attacks it: an inventory host name that
leaves reports/, a second run on the same reports directory, another user of the controller
reading reports/ and runs/, a run killed half-way with secrets in the inventory."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from lab.provision.runs import RunRecord, RunsDir

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
SLOW = Path(__file__).parent / "playbooks" / "controller_slow.yml"
# Containers that do not exist: any attempt to reach one shows in the output.
NOWHERE = {"ansible_connection": "community.docker.docker", "ansible_user": "root"}
OTHER_USER = "nslab-h15-other"
NSLAB = (sys.executable, "-m", "lab")


def environment(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PATH": f"{VENV_BIN}:{os.environ['PATH']}",
        "ANSIBLE_NOCOLOR": "1",
        # A controller without Docker stops lab.yml before preflight reaches any host: on a
        # checkout without the check under test, the run ends there instead of connecting.
        "DOCKER_HOST": f"unix://{tmp_path / 'no-engine.sock'}",
    }


def ansible_playbook(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(VENV_BIN / "ansible-playbook"), *args],
        cwd=REPO,
        env=environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def lab_playbook(
    tmp_path: Path, inventory: Path, reports: Path
) -> tuple[subprocess.CompletedProcess[str], str]:
    """playbooks/lab.yml as an instructor types it, with its reports in `reports`."""
    result = ansible_playbook(
        tmp_path,
        "playbooks/lab.yml",
        "-i",
        str(inventory),
        "-e",
        f"namespace_lab_reports_dir={reports}",
    )
    return result, one_line(result)


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    return " ".join((result.stdout + result.stderr).split())


def write_class(path: Path, hosts: dict[str, dict[str, object]]) -> Path:
    path.write_text(json.dumps({"lab_vms": {"hosts": hosts}}), encoding="utf-8")
    return path


@pytest.mark.parametrize("name", ["../escape", ".hidden", "a..b", "vm\x1b]0;x\x07"])
def test_a_host_name_that_leaves_reports_stops_the_run_before_any_connection(
    tmp_path: Path, name: str
) -> None:
    inventory = write_class(tmp_path / "class.json", {"vm-ok": NOWHERE, name: NOWHERE})
    reports = tmp_path / "reports"

    result, output = lab_playbook(tmp_path, inventory, reports)

    assert result.returncode == 2, output
    assert (
        f"The inventory host name {json.dumps(name)} cannot name a folder under reports/" in output
    )
    assert "rename it in the inventory" in output
    assert "Reach the host" not in output and "does not answer" not in output
    assert not reports.exists() and not (tmp_path / "escape").exists()


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[tuple[Path, subprocess.Popen[str]]]:
    """`nslab provision`'s hold on a reports directory, in a process of its own."""
    reports = tmp_path / "project" / "reports"
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from lab.runlock import held\n"
            "with held(Path(sys.argv[1]), 'nslab provision'):\n"
            "    print('held', flush=True); time.sleep(300)",
            str(reports),
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stdout.readline() == "held\n"
    yield reports, process
    process.terminate()
    process.wait(timeout=30)


def test_a_second_playbook_run_stops_at_once_on_a_held_reports_directory(
    tmp_path: Path, holder: tuple[Path, subprocess.Popen[str]]
) -> None:
    reports, first = holder
    inventory = write_class(tmp_path / "class.json", {"vm-1": NOWHERE})

    started = time.monotonic()
    result, output = lab_playbook(tmp_path, inventory, reports)

    assert result.returncode == 2, output
    user = pwd.getpwuid(os.getuid()).pw_name
    holder_line = f"{user}'s nslab provision (pid {first.pid}) since "
    assert f"{reports} is in use by another nslab run: {holder_line}" in output
    assert "Reach the host" not in output and "does not answer" not in output
    assert time.monotonic() - started < 60
    assert reports.stat().st_mode & 0o777 == 0o700


def test_nslab_provision_stops_at_once_while_a_playbook_holds_the_reports_directory(
    tmp_path: Path, project: Path
) -> None:
    root = project
    reports = root / "reports"
    inventory = write_class(
        tmp_path / "class.json",
        {"vm-1": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}},
    )
    variables = ["-e", "docker_engine_proxy=none lab_password=none controller_slow_seconds=300"]
    first = subprocess.Popen(
        [
            str(VENV_BIN / "ansible-playbook"),
            str(SLOW),
            "-i",
            str(inventory),
            *variables,
            "-e",
            f"namespace_lab_reports_dir={reports}",
        ],
        cwd=REPO,
        env=environment(tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        lock = reports / ".nslab-run.lock"
        for _ in range(600):
            if lock.exists() or first.poll() is not None:
                break
            time.sleep(0.1)
        assert lock.exists(), "the first run did not take the lock"

        second = subprocess.run(
            [*NSLAB, "provision", "--project", str(root), "-i", str(inventory)],
            cwd=REPO,
            env=environment(tmp_path),
            capture_output=True,
            text=True,
            timeout=120,
        )

        assert second.returncode == 1, second.stdout + second.stderr
        assert f"{reports} is in use by another nslab run: " in second.stderr
        assert f"'s ansible-playbook (pid {first.pid}) since " in second.stderr
        assert not (root / "runs").exists() or not any((root / "runs").iterdir())
    finally:
        os.killpg(first.pid, signal.SIGTERM)
        first.wait(timeout=60)


@pytest.fixture
def other_user() -> Iterator[str]:
    subprocess.run(["useradd", "--system", "--no-create-home", OTHER_USER], check=False)
    pwd.getpwnam(OTHER_USER)
    yield OTHER_USER
    subprocess.run(["userdel", OTHER_USER], check=False)


def as_user(user: str, *command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["runuser", "-u", user, "--", *command], capture_output=True, text=True, check=False
    )


def test_another_user_of_the_controller_reads_neither_reports_nor_runs(other_user: str) -> None:
    # Where everyone may pass (unlike pytest's own 0700 tmp_path): only nslab's modes protect.
    base = Path(tempfile.mkdtemp(prefix="nslab-privacy-"))
    base.chmod(0o755)
    try:
        reports, runs = base / "reports", RunsDir(base / "runs")
        record = {"host": "vm-1", "status": "failed", "reason": "x", "student_id": "s1234567"}
        # The summary play's own command, then the records of an `nslab provision` run.
        subprocess.run(
            [*NSLAB, "report", "--reports-dir", str(reports), "--statuses", "-"],
            input=json.dumps([record]),
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        )
        run = runs.new_run()
        run.save(RunRecord(run.run_id, "now", "lab.yml", "class.yml", None, False, {}))

        assert as_user(other_user, "true").returncode == 0  # the account works
        assert as_user(other_user, "ls", str(base)).returncode == 0
        for path in (
            reports,
            reports / "summary.csv",
            reports / "vm-1" / "status.json",
            runs.root,
            run.path / "run.json",
        ):
            attempt = as_user(other_user, "cat" if path.suffix else "ls", str(path))
            assert attempt.returncode != 0, f"{other_user} read {path}: {attempt.stdout}"
            assert "s1234567" not in attempt.stdout
    finally:
        shutil.rmtree(base)


def test_a_killed_run_is_redacted_and_marked_interrupted(tmp_path: Path, project: Path) -> None:
    root = project
    proxy_password, password = "pr0xy-" + os.urandom(6).hex(), "h0st-" + os.urandom(6).hex()
    seconds = f"1234.{os.getpid()}"  # a sleep this test can tell from every other process
    inventory = write_class(
        tmp_path / "class.json",
        {
            "vm-1": {
                "ansible_connection": "local",
                "ansible_python_interpreter": sys.executable,
                "docker_engine_proxy": f"http://teacher:{proxy_password}@proxy.invalid:3128",
                "lab_password": password,
                "controller_slow_seconds": seconds,
            }
        },
    )
    run = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "lab",
            "provision",
            "--project",
            str(root),
            "-i",
            str(inventory),
            "--playbook",
            str(SLOW),
        ],
        cwd=REPO,
        env=environment(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    sleeping = 0
    try:
        sleeping = wait_for_process(f"sleep {seconds}", run)
        playbook = [pid for pid in ancestors(sleeping) if "ansible-playbook" in process_line(pid)]
        run.send_signal(signal.SIGTERM)
        out, err = run.communicate(timeout=120)
    finally:
        if run.poll() is None:
            run.kill()
        # The task's own process: the local connection starts it in a session of its own, which
        # outlives ansible-playbook (on a real host the connection's end stops it).
        if sleeping and "sleep" in process_line(sleeping):
            os.kill(sleeping, signal.SIGKILL)

    assert run.returncode == 130, out + err
    assert "the run was stopped (signal 15)" in err
    (run_dir,) = (root / "runs").iterdir()
    assert json.loads((run_dir / "run.json").read_text())["status"] == "interrupted"
    # ansible-playbook was cancelled with it, not left running alone.
    assert playbook
    for _ in range(150):  # killed, then reaped
        left = [pid for pid in playbook if "ansible-playbook" in process_line(pid)]
        if not left:
            break
        time.sleep(0.1)
    assert not left, [process_line(pid) for pid in left]
    for path in run_dir.rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            assert proxy_password not in text and password not in text, path
    events = "".join(p.read_text() for p in run_dir.rglob("job_events/*.json"))
    assert "Quote the inventory's secrets" in events  # the secrets were there to leak


def process_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def ancestors(pid: int) -> list[int]:
    found = []
    while pid > 1:
        stat = Path(f"/proc/{pid}/stat").read_text()
        pid = int(stat[stat.rindex(")") + 2 :].split()[1])
        found.append(pid)
    return found


def wait_for_process(command: str, parent: subprocess.Popen[str]) -> int:
    """The pid of the process running `command` (the run's own task), once it runs."""
    for _ in range(1200):
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit() and process_line(int(entry.name)).strip() == command:
                return int(entry.name)
        assert parent.poll() is None, parent.communicate()
        time.sleep(0.1)
    raise AssertionError(f"{command} never started")
