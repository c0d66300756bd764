"""A student allowed `sudo nslab-experiment` and nothing else gets nothing but the experiment.

One real Debian 12 host of the test bed, converged by playbooks/lab.yml with
namespace_lab_students_sudo set; a real unprivileged account in that group; real sudo (no
password, the role's rule only). Each test plays one attack as that student and checks, as root,
that it got nothing: planted code does not run as root (its proof file never appears in /etc),
planted links and chosen paths get no byte written, chosen images do not run.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from docker.models.containers import Container
from docker_engine_host import changed_tasks, lab, sh
from playbook_runs import role_default

from lab.testing import Testbed

pytestmark = pytest.mark.molecule

GROUP = "students"
STUDENT = "alice"
OTHER_STUDENT = "bob"
COMMAND = "/usr/local/bin/nslab-experiment"
SUDOERS = "/etc/sudoers.d/nslab-experiment"
RULE_TASK = (
    "namespace_lab : Allow the students' group the students' command through sudo, and nothing else"
)


def as_student(host: Container, script: str, user: str = STUDENT) -> tuple[int, str]:
    """`script` in a login shell of `user` (its own environment and groups, as after ssh)."""
    result = host.exec_run(["runuser", "-l", user, "-c", script])
    return result.exit_code, result.output.decode(errors="replace")


def exists(host: Container, path: str) -> bool:
    return host.exec_run(["test", "-e", path]).exit_code == 0


def payload(proof: str) -> str:
    """Python that leaves a proof of who ran it, where only root can write."""
    return f"import os; open({proof!r}, 'w').write(str(os.geteuid()))\n"


def ran_and_handed_over(host: Container, code: int, output: str, directory: str) -> None:
    """The experiment ran (0: as expected, 1: a difference, both results) and the student owns
    the report it wrote, real files, none half-written."""
    assert code in (0, 1), output
    listing = sh(host, f"cd {directory} && stat -c '%U:%G %F %n' report.* .[!.]* 2>/dev/null; true")
    assert sorted(listing.splitlines()) == [
        f"{STUDENT}:{STUDENT} regular file report.{fmt}" for fmt in ("html", "json", "md")
    ], listing


@pytest.fixture(scope="module")
def student(host: Container, testbed: Testbed, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The host converged with the students' sudo rule, and a student account in that group."""
    run = lab(host, tmp_path_factory.mktemp("converge"), testbed, namespace_lab_students_sudo=GROUP)
    assert run.returncode == 0, run.output
    print(f"converge: {run.seconds:.1f} s")
    sh(host, f"useradd -m -s /bin/sh -G {GROUP} {STUDENT} && useradd -m -s /bin/sh {OTHER_STUDENT}")
    return STUDENT


def test_the_student_runs_the_experiment_and_gets_the_report(host: Container, student: str) -> None:
    code, output = as_student(host, f"mkdir plain && cd plain && sudo -n {COMMAND}")
    ran_and_handed_over(host, code, output, f"/home/{student}/plain/nslab-report")
    # ... and the run is in the student's record, for the instructor.
    (record,) = records(host)
    assert record["kind"] == "experiment" and record["command"] == [], record
    assert record["matched"] is (code == 0) and sorted(record["namespaces"]) == sorted(TYPES)


def test_the_rule_allows_the_command_and_nothing_else(host: Container, student: str) -> None:
    assert as_student(host, "sudo -n nslab-experiment --help")[0] == 0
    for other in (
        "id",
        "-u nobody nslab-experiment --help",
        "-i",
        "-s",
        "sh -c id",
        "-e /etc/shadow",
    ):
        code, output = as_student(host, f"sudo -n {other}")
        assert code != 0, (other, output)
    listing = as_student(host, "sudo -n -l")[1]
    allowed = listing.split("may run the following commands", 1)[1].splitlines()[1:]
    assert [line.strip() for line in allowed if line.strip()] == [f"(root) NOPASSWD: {COMMAND}"]
    assert sh(host, f"stat -c '%U:%G %a' {SUDOERS}").strip() == "root:root 440"
    sh(host, "visudo -c >/dev/null")


def test_code_planted_in_the_current_directory_does_not_run(host: Container, student: str) -> None:
    proof = "/etc/nslab-proof-cwd"
    # What `python3 -m lab` would import first from the directory it runs in.
    plant = " && ".join(
        f"printf %s {shlex.quote(payload(proof))} > {module}"
        for module in (
            "lab/__init__.py",
            "lab/__main__.py",
            "lab/experiment/__init__.py",
            "lab/experiment/students.py",
        )
    )
    code, output = as_student(
        host, f"mkdir -p cwd/lab/experiment && cd cwd && {plant} && sudo -n {COMMAND}"
    )
    assert not exists(host, proof), output
    ran_and_handed_over(host, code, output, f"/home/{student}/cwd/nslab-report")


def test_python_variables_do_nothing(host: Container, student: str) -> None:
    proof = "/etc/nslab-proof-env"
    site = "ub/lib/python3.11/site-packages"
    plant = (
        f"mkdir -p env/{site} env/path/lab && cd env && "
        f"printf %s {shlex.quote(payload(proof))} > {site}/usercustomize.py && "
        f"printf %s {shlex.quote(payload(proof).replace(chr(10), ''))} > {site}/nslab.pth && "
        f"printf %s {shlex.quote(payload(proof))} > path/lab/__init__.py && "
        f"printf %s {shlex.quote(payload(proof))} > path/sitecustomize.py"
    )
    variables = "PYTHONUSERBASE=$PWD/ub PYTHONPATH=$PWD/path"
    assert as_student(host, plant)[0] == 0
    # The role's rule keeps no environment: asking for it is refused.
    for asked in (f"export {variables} && sudo -n -E {COMMAND}", f"sudo -n {variables} {COMMAND}"):
        code, output = as_student(host, f"cd env && {asked}")
        assert code != 0 and "not allowed" in output, output
    # An administrator who lets these variables through sudo gains the students nothing either.
    lax = "/etc/sudoers.d/zz-lax"
    sh(host, f"echo 'Defaults env_keep += \"PYTHONUSERBASE PYTHONPATH HOME\"' > {lax}")
    try:
        code, output = as_student(host, f"cd env && export {variables} && sudo -n {COMMAND}")
    finally:
        sh(host, f"rm -f {lax}")
    assert not exists(host, proof), output
    ran_and_handed_over(host, code, output, f"/home/{student}/env/nslab-report")


def test_links_planted_for_the_report_files_get_nothing(host: Container, student: str) -> None:
    victims = {
        "report.json.partial": "/etc/nslab-victim-partial",
        "report.md": "/etc/nslab-victim-md",
    }
    for victim in victims.values():
        sh(host, f"echo root-owned > {victim}")
    links = " && ".join(
        f"ln -s {victim} links/nslab-report/{name}" for name, victim in victims.items()
    )
    code, output = as_student(
        host, f"mkdir -p links/nslab-report && {links} && cd links && sudo -n {COMMAND}"
    )
    for victim in victims.values():
        assert sh(host, f"cat {victim}") == "root-owned\n", output
    # The planted links were replaced by the student's own files, never written through.
    directory = f"/home/{student}/links/nslab-report"
    sh(host, f"rm {directory}/report.json.partial")
    ran_and_handed_over(host, code, output, directory)


def test_a_linked_report_directory_gets_nothing(host: Container, student: str) -> None:
    sh(host, "mkdir -p /etc/nslab-victim-dir")
    code, output = as_student(
        host,
        "mkdir linkdir && ln -s /etc/nslab-victim-dir linkdir/nslab-report && "
        f"cd linkdir && sudo -n {COMMAND}",
    )
    assert code == 2 and "directory you own" in output, output
    assert sh(host, "ls -A /etc/nslab-victim-dir") == ""


def test_an_output_dir_the_student_does_not_own_is_refused(host: Container, student: str) -> None:
    before = sh(host, "sha256sum /var/lib/nslab/report/report.json")
    shared = f"/home/{OTHER_STUDENT}/shared"  # another student's, open to all (mode 1777)
    sh(
        host,
        f"mkdir -m 1777 {shared} && chown {OTHER_STUDENT}: {shared}",
    )
    for directory in (
        "/var/lib/nslab/report",
        "/etc/nslab-chosen",
        f"/home/{OTHER_STUDENT}/shared",
    ):
        code, output = as_student(host, f"sudo -n {COMMAND} --output-dir {directory}")
        assert code == 2 and "nslab-experiment:" in output, (directory, output)
    assert sh(host, "sha256sum /var/lib/nslab/report/report.json") == before
    assert not exists(host, "/etc/nslab-chosen")
    assert sh(host, f"ls -A /home/{OTHER_STUDENT}/shared") == ""


def test_an_image_other_than_the_classs_is_refused(
    host: Container, student: str, testbed: Testbed
) -> None:
    # An image the host has (Docker would run it), not the class's, in the scenario that shares
    # the host's PID namespace (what `--scenario all` includes).
    sh(host, f"docker tag {testbed.lab_image} nslab-other:1")
    code, output = as_student(
        host,
        f"mkdir image && cd image && sudo -n {COMMAND} --image nslab-other:1 --scenario pid-host",
    )
    assert code == 2 and "class's image" in output, output
    assert not exists(host, f"/home/{student}/image/nslab-report")


def test_an_image_archive_is_refused(host: Container, student: str) -> None:
    code, output = as_student(
        host, f"mkdir archive && cd archive && sudo -n {COMMAND} --image-archive /etc/shadow"
    )
    assert code == 2 and "unrecognized arguments: --image-archive" in output, output
    assert not exists(host, f"/home/{student}/archive/nslab-report")


def test_the_image_archive_waits_where_no_student_can_plant(host: Container, student: str) -> None:
    """Whoever makes something at the archive's name first makes the lab image's load fail for
    the whole machine: with the role's default, no student can."""
    archive = str(role_default("namespace_lab", "namespace_lab_image_archive_host_path"))
    for plant in (f"touch {archive}", f"ln -s /etc/shadow {archive}", f"mkfifo {archive}"):
        code, output = as_student(host, plant)
        assert code != 0 and "Permission denied" in output, (plant, output)
        assert host.exec_run(["sh", "-c", f"test -e {archive} || test -L {archive}"]).exit_code
    assert sh(host, f"stat -c '%U %a' {Path(archive).parent}").split() == ["root", "755"]


# The students' own work: `check` and `quiz` (issue 23). Containers are started as root on the
# host: what a student does with `docker run` where the course note lets them (the docker group or
# their own sudo); the check itself runs as the restricted student, through the role's sudo rule.
RECORDS = "/var/lib/nslab/students"
TYPES = ("cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts")
# (first container's options, second's): the course note's pair, then one option at a time.
# Each option as `docker run` takes it and as the check names it.
CASES: dict[str, tuple[list[str], list[str]]] = {
    "defaults": ([], []),
    "pid-host": ([], ["--pid host", "--userns host"]),
    "ipc-uts-host": (["--uts host"], ["--ipc host"]),
    # --ipc shareable is a private IPC namespace others may join: no difference from the defaults.
    "joined": (["--ipc shareable"], ["--network container:{first}", "--ipc container:{first}"]),
    # This machine is cgroup v1, where the engine's default is the host's cgroup namespace.
    "net-host-cgroupns": (["--network host", "--cgroupns private"], ["--cgroupns private"]),
}


@contextmanager
def started_pair(
    host: Container, image: str, prefix: str, options: tuple[list[str], list[str]] = ([], [])
) -> Iterator[tuple[str, str]]:
    """Two containers started by hand, `prefix`-1 and -2, as `docker run -d ... sleep infinity`,
    removed afterwards."""
    first, second = f"{prefix}-1", f"{prefix}-2"
    try:
        for name, flags in zip((first, second), options, strict=True):
            chosen = " ".join(flags).format(first=first)
            sh(host, f"docker run -d --name {name} {chosen} {image} sleep infinity")
        yield first, second
    finally:
        sh(host, f"docker rm -f {first} {second} 2>/dev/null; true")


def lsns_in(host: Container):
    from lsns_oracle import lsns

    def run(argv: list[str]) -> tuple[int, str, str]:
        result = host.exec_run(argv, demux=True)
        out, err = result.output
        return result.exit_code, (out or b"").decode(), (err or b"").decode()

    return lambda pid: {ns["type"]: ns["ns"] for ns in lsns(pid, run)}


def records(host: Container, user: str = STUDENT) -> list[dict]:
    uid = sh(host, f"id -u {user}").strip()
    text = sh(host, f"cat {RECORDS}/{uid}.jsonl 2>/dev/null; true")
    return [json.loads(line) for line in text.splitlines()]


def table(output: str) -> dict[str, list[str]]:
    """The check's namespace table: type -> [host, container1, container2, isolated, shares,
    result] as printed."""
    rows = {}
    for line in output.splitlines():
        cells = line.split()
        if len(cells) == 7 and cells[0] in TYPES:
            rows[cells[0]] = cells[1:]
    return rows


def inode(link: str) -> int:
    return int(link.split("[", 1)[1].rstrip("]"))


def test_the_check_agrees_with_lsns_for_each_set_of_options(
    host: Container, student: str, testbed: Testbed
) -> None:
    oracle = lsns_in(host)
    host_ns = oracle(1)
    for case, options in CASES.items():
        with started_pair(host, testbed.lab_image, case, options) as (first, second):
            check_agrees(host, oracle, host_ns, first, second, options)


def check_agrees(
    host: Container,
    oracle: Callable[[int], dict[str, int]],
    host_ns: dict[str, int],
    first: str,
    second: str,
    options: tuple[list[str], list[str]],
) -> None:
    """One pair's check as the student runs it, held to lsns and to the options it was given."""
    code, output = as_student(host, f"sudo -n {COMMAND} check {first} {second}")
    assert code == 0, output  # every namespace as the experiment predicts for these options
    pids = [
        sh(host, f"docker inspect --format '{{{{.State.Pid}}}}' {n}").strip()
        for n in (first, second)
    ]
    # The course note's own step is shown, with the PIDs docker inspect gives.
    for name, pid in zip((first, second), pids, strict=True):
        assert f"$ docker inspect --format '{{{{.State.Pid}}}}' {name}\n  {pid}\n" in output
        assert f"$ sudo ls -l /proc/{pid}/ns" in output
    namespaces = [oracle(int(pid)) for pid in pids]
    rows = table(output)
    assert sorted(rows) == sorted(TYPES), output
    last = records(host)[-1]
    assert last["kind"] == "check" and last["matched"] is True, last
    assert [c["name"] for c in last["containers"]] == [first, second]
    for kind in TYPES:
        ours, c1, c2 = host_ns[kind], namespaces[0][kind], namespaces[1][kind]
        shown = rows[kind]
        assert [inode(link) for link in shown[:3]] == [ours, c1, c2], (first, kind, output)
        assert shown[3] == ("yes" if c1 != c2 else "no"), (first, kind, output)
        assert shown[4] == f"{'yes' if c1 == ours else 'no'}/{'yes' if c2 == ours else 'no'}"
        assert shown[5] == "OK", (first, kind)
        assert last["namespaces"][kind] == {
            "observed": "different" if c1 != c2 else "same",
            "expected": "different" if c1 != c2 else "same",
            "matched": True,
        }
    # Each option the student used is named, with its reason; Docker's defaults name none.
    named = [sorted(c["options"]) for c in last["containers"]]
    wanted = [
        sorted(o.format(first=first).replace(" ", "=") for o in flags if o != "--ipc shareable")
        for flags in options
    ]
    assert named == wanted, (first, named)
    if not any(wanted):
        assert "Every namespace type is as Docker's defaults give it." in output
    else:
        assert "Started with --" in output, output


def test_the_check_without_names_takes_the_two_last_started(host: Container, student: str) -> None:
    # An image with no shell, nothing but sleep: the check runs nothing inside, so any image works.
    image = "nslab-test/no-shell"
    sh(
        host,
        "cd / && tar -ch bin/sleep $(ldd /bin/sleep | grep -o '/[^ ]*' | cut -c2-)"
        f" | docker import - {image} >/dev/null",
    )
    assert host.exec_run(["docker", "run", "--rm", image, "sh", "-c", "true"]).exit_code != 0
    with started_pair(host, image, "recent") as (first, second):
        code, output = as_student(host, f"sudo -n {COMMAND} check --lang ja")
    assert code == 0, output
    assert f"最後に起動した実行中のコンテナ2つ {first} と {second}" in output, output
    assert "コンテナ間で分離" in output
    assert [c["image"] for c in records(host)[-1]["containers"]] == [image, image]


def test_names_that_are_not_containers_get_one_line_and_nothing_else(
    host: Container, student: str, testbed: Testbed
) -> None:
    with started_pair(host, testbed.lab_image, "names") as (first, second):
        for name in (
            "/etc/shadow",
            "../../../../etc/shadow",
            "/proc/1/root/etc/shadow",
            "nosuch",
            "a" * 100_000,
            "-x",
            "$(id)",
            "name\x1b[2J",
        ):
            code, output = as_student(host, f"sudo -n {COMMAND} check {shlex.quote(name)} {first}")
            assert code == 2, (name[:40], output)
            assert len(output.splitlines()) <= 3 and len(output) < 600, output[:600]
            assert "root:" not in output and "\x1b[2J" not in output
        # A stopped container is named as one, and one name alone is refused.
        sh(host, f"docker stop -t 0 {second}")
        code, output = as_student(host, f"sudo -n {COMMAND} check {first} {second}")
        assert code == 2 and f"{second} is not running" in output, output
        code, output = as_student(host, f"sudo -n {COMMAND} check {first}")
        assert code == 2 and "two container names" in output, output


def test_check_and_quiz_write_nothing_where_the_student_points(
    host: Container, student: str
) -> None:
    proof = "/etc/nslab-proof-check"
    plant = (
        "mkdir -p planted/lab && cd planted && ln -s /etc/nslab-victim-check nslab-report && "
        f"printf %s {shlex.quote(payload(proof))} > lab/__init__.py"
    )
    sh(host, "mkdir -p /etc/nslab-victim-check")
    assert as_student(host, plant)[0] == 0
    for command in ("check", "quiz --answer differ=pid", "check --output-dir /etc/x a b"):
        as_student(host, f"cd planted && sudo -n {COMMAND} {command}")
    assert not exists(host, proof)
    assert sh(host, "ls -A /etc/nslab-victim-check") == ""
    assert not exists(host, "/etc/x")


def test_the_record_is_roots_bounded_and_never_followed(host: Container, student: str) -> None:
    uid = sh(host, f"id -u {STUDENT}").strip()
    path = f"{RECORDS}/{uid}.jsonl"
    assert sh(host, f"stat -c '%U %a' {RECORDS} {path}").split("\n")[:2] == ["root 700", "root 600"]
    assert as_student(host, f"cat {path}")[0] != 0  # the student sees it only through the command
    # A link planted where the record goes is replaced, its target untouched.
    sh(
        host,
        f"echo root-owned > /etc/nslab-victim-record && ln -sf /etc/nslab-victim-record {path}",
    )
    code, output = as_student(host, f"sudo -n {COMMAND} quiz --answer time-user=1,5")
    assert code in (0, 1), output
    assert sh(host, "cat /etc/nslab-victim-record") == "root-owned\n"
    assert sh(host, f"stat -c '%F %U %a' {path}").strip() == "regular file root 600"
    assert [r["question"] for r in records(host)] == ["time-user"]
    # Over-long and odd input is kept short and valid; an over-full file loses its oldest lines.
    old = json.dumps({"kind": "old", "pad": "x" * 400})
    sh(host, f"for i in $(seq 300); do echo '{old}'; done > {path}")
    odd = "$(printf '\\377\\033[31m')$(head -c 100000 /dev/zero | tr '\\0' a)"
    code, output = as_student(host, f'sudo -n {COMMAND} quiz --answer "differ={odd}"')
    assert code == 1, output[:600]
    lines = sh(host, f"cat {path}").splitlines()
    assert len(lines) <= 200 and sum(len(line) + 1 for line in lines) <= 64 * 1024
    newest = json.loads(lines[-1])
    assert newest["kind"] == "answer" and newest["correct"] is False
    assert len(newest["answer"]) <= 200 and len(newest["command"][-1]) <= 200
    # A linked records directory is not written through: the run says so and goes on.
    victim = "/etc/nslab-victim-records"
    sh(host, f"rm -rf {RECORDS} && mkdir {victim} && ln -s {victim} {RECORDS}")
    try:
        code, output = as_student(host, f"sudo -n {COMMAND} quiz --answer time-user=1,5")
        assert code == 0 and "not recorded" in output, output
        assert sh(host, f"ls -A {victim}") == ""
    finally:
        sh(host, f"rm {RECORDS}")


def right_answers(host: Container, image: str) -> dict[str, str]:
    """What two containers with Docker's defaults share on this engine, by lsns: the oracle."""
    oracle = lsns_in(host)
    with started_pair(host, image, "oracle") as (first, second):
        pids = [
            int(sh(host, f"docker inspect --format '{{{{.State.Pid}}}}' {n}"))
            for n in (first, second)
        ]
        ours, c1, c2 = oracle(1), oracle(pids[0]), oracle(pids[1])
    differ = [t for t in TYPES if c1[t] != c2[t]]
    shared = [t for t in TYPES if c1[t] == c2[t] == ours[t]]
    # Docker 20.10 (< 29.5) makes no time namespace, and the test bed runs no userns-remap.
    return {"differ": ",".join(differ), "host": ",".join(shared), "time-user": "1,5"}


def restart_with(host: Container, daemon: str, config: str | None) -> None:
    """dockerd restarted with `config` as daemon.json (None: no daemon.json)."""
    write = (
        f"printf %s {shlex.quote(config)} > {daemon}" if config is not None else f"rm -f {daemon}"
    )
    sh(host, f"{write} && systemctl restart docker && docker info >/dev/null")


def test_the_quiz_marks_against_this_engine(
    host: Container, student: str, testbed: Testbed
) -> None:
    """Two engines: the test bed's, then the same with the daemon's default-cgroupns-mode private
    (a daemon.json option; on this cgroup v1 machine it splits cgroup between containers)."""
    daemon = "/etc/docker/daemon.json"
    kept = sh(host, f"cat {daemon}") if exists(host, daemon) else None
    seen = []
    try:
        for engine in ("test bed", "default-cgroupns-mode private"):
            if engine != "test bed":
                config = {**json.loads(kept or "{}"), "default-cgroupns-mode": "private"}
                restart_with(host, daemon, json.dumps(config))
            right = right_answers(host, testbed.lab_image)
            seen.append(right)
            wrong = {"differ": right["host"], "host": right["differ"], "time-user": "4,6"}
            for answers, code, lang in ((wrong, 1, "en"), (right, 0, "ja")):
                flags = " ".join(f"--answer {q}={a}" for q, a in answers.items())
                got, output = as_student(host, f"sudo -n {COMMAND} quiz --lang {lang} {flags}")
                assert got == code, (engine, output)
                marked = records(host)[-3:]
                assert [(r["question"], r["correct"]) for r in marked] == [
                    (q, code == 0) for q in answers
                ], (engine, lang, marked, output, sh(host, f"ls -la {RECORDS}; true"))
                assert [r["expected"] for r in marked] == list(right.values()), (engine, marked)
                if code == 1:
                    # The explanation: what this machine shows, and the report's reasons.
                    assert f"Not what this machine shows: {right['differ']}." in output, output
                    assert "Docker 20.10" in output and "userns-remap is off" in output
            # The check accounts for the engine's option: no flag is blamed for it.
            with started_pair(host, testbed.lab_image, "engine") as (first, second):
                code, output = as_student(host, f"sudo -n {COMMAND} check {first} {second}")
            assert code == 0, output
            assert all(c["options"] == [] for c in records(host)[-1]["containers"]), output
    finally:
        restart_with(host, daemon, kept)
    assert "cgroup" in seen[1]["differ"] and "cgroup" not in seen[0]["differ"], seen


def test_the_quiz_asks_on_a_terminal(host: Container, student: str, testbed: Testbed) -> None:
    """On a terminal (util-linux's `script` gives the student's sudo one) the quiz asks each
    question and reads the answer typed; an over-long line is one answer, not the next ones."""
    right = right_answers(host, testbed.lab_image)
    typed = ["x" * 5000, right["host"], right["time-user"]]
    script = f"sudo -n {COMMAND} quiz"
    code, output = as_student(
        host, f"printf '%s\\n' {' '.join(typed)} | script -qec {shlex.quote(script)} /dev/null"
    )
    assert code == 1, output
    for question in ("differ", "host", "time-user"):
        assert f"[{question}] Which" in output or f"[{question}] Why" in output, output
    assert "2 of 3 right." in output, output
    marked = records(host)[-3:]
    assert [(r["question"], r["correct"]) for r in marked] == [
        ("differ", False),
        ("host", True),
        ("time-user", True),
    ], marked
    assert marked[0]["answer"] == "x" * 200 and marked[0]["command"] == ["quiz"]


def test_the_instructor_collects_what_the_student_did(
    host: Container, student: str, testbed: Testbed, tmp_path: Path
) -> None:
    """The loop on real parts: what the students' command recorded in the tests above comes home
    with lab.yml's collect tag into the class summary, none of it dropped or doubted."""
    did = [record["kind"] for record in records(host)]
    run = lab(host, tmp_path, testbed, tags="collect", namespace_lab_students_sudo=GROUP)
    assert run.returncode == 0, run.output
    summary = json.loads((tmp_path / "reports" / "summary.json").read_text(encoding="utf-8"))
    (work,) = [s for s in summary["students_work"]["students"] if s["user"] == student]
    counts = [work["experiments"], work["checks"], work["answers"]]
    assert counts == [did.count(kind) for kind in ("experiment", "check", "answer")], work
    assert work["answers"] > 0 and work["self_reported"], work
    assert (work["dropped_lines"], work["problems"], work["doubted_records"]) == (0, [], 0), work


def test_the_rule_is_converged_repaired_and_reset(
    host: Container, student: str, testbed: Testbed, tmp_path: Path
) -> None:
    # A removed rule is written again, and nothing else changes (the rest of a re-run stays at 0
    # changed: the rule's probe costs a converged host nothing more).
    sh(host, f"rm {SUDOERS}")
    repaired = lab(host, tmp_path, testbed, namespace_lab_students_sudo=GROUP)
    assert repaired.returncode == 0 and changed_tasks(repaired) == [RULE_TASK], repaired.output
    assert as_student(host, f"sudo -n {COMMAND} --help")[0] == 0
    reset = lab(host, tmp_path, testbed, playbook="playbooks/reset.yml")
    assert reset.returncode == 0, reset.output
    assert not exists(host, SUDOERS)
    assert not exists(host, RECORDS)
    assert as_student(host, f"sudo -n {COMMAND} --help")[0] != 0
