"""The namespace_lab role's look at a host and its decisions
(plugins/modules/namespace_lab_probe.py): what a host read once needs, step by step, without a
host; the reading itself on a fake tree and against a real HTTP server on a unix socket that
answers like Docker's engine."""

from __future__ import annotations

import dataclasses
import hashlib
import http.server
import importlib.util
import json
import os
import socketserver
import stat
import subprocess
import sys
import tarfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
ROLE = PROJECT / "roles" / "namespace_lab"
PACKAGES = ["python3", "python3-docker", "util-linux"]
COMMAND = '#!/bin/sh\nexec /usr/bin/python3 -m lab experiment --image debian:12 "$@"\n'
MODULE = b"print('lab')\n"
MANIFEST = {"lab": "", "lab/__init__.py": hashlib.sha256(MODULE).hexdigest()}


def _load_probe():
    spec = importlib.util.spec_from_file_location(
        "namespace_lab_probe", PROJECT / "plugins" / "modules" / "namespace_lab_probe.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    # Its dataclasses look their module up in sys.modules, as on a host.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


probe = _load_probe()


def settings(**changes: object):
    base = probe.Settings(
        packages=PACKAGES,
        apt_cache_valid_time=3600,
        install_dir="/opt/nslab",
        lab_manifest=MANIFEST,
        student_command="/usr/local/bin/nslab-experiment",
        student_command_content=COMMAND,
        report_dir="/var/lib/nslab/report",
        image="debian:12",
        image_source="load",
    )
    return dataclasses.replace(base, **changes)


def converged_host(**changes: object):
    base = probe.Host(
        package_states=dict.fromkeys(PACKAGES, "installed"),
        lists_present=True,
        lists_age_s=60.0,
        install_dir_exists=True,
        lab_files_differing=[],
        student_command_current=True,
        report_dir_ready=True,
        docker_error="",
        image_present=True,
    )
    return dataclasses.replace(base, **changes)


def fresh_host(**changes: object):
    """A host the docker_engine role has just given Docker, nothing of the lab yet."""
    return converged_host(
        package_states={"python3": "installed"},
        lists_age_s=30.0,
        install_dir_exists=False,
        lab_files_differing=sorted(MANIFEST),
        student_command_current=False,
        report_dir_ready=False,
        image_present=False,
        **changes,
    )


NOTHING_TO_DO = probe.Plan(
    packages=[],
    refresh_lists=False,
    create_install_dir=False,
    unpack_lab=False,
    student_command=False,
    report_dir=False,
    image="",
)


# ----------------------------------------------------------------------------- deciding


def test_a_converged_host_needs_nothing() -> None:
    plan = probe.make_plan(settings(), converged_host(), check_mode=False)
    assert plan == NOTHING_TO_DO
    # tasks/main.yml then does not even load the steps file.
    assert not plan.any_step


def test_a_fresh_host_needs_every_step() -> None:
    plan = probe.make_plan(settings(), fresh_host(), check_mode=False)

    assert plan == probe.Plan(
        packages=["python3-docker", "util-linux"],
        # docker_engine has just refreshed the lists: no second apt-get update.
        refresh_lists=False,
        create_install_dir=True,
        unpack_lab=True,
        student_command=True,
        report_dir=True,
        image="load",
    )


@pytest.mark.parametrize(
    ("drift", "step"),
    [
        ({"lab_files_differing": ["lab/__init__.py"]}, {"unpack_lab": True}),
        ({"student_command_current": False}, {"student_command": True}),
        ({"report_dir_ready": False}, {"report_dir": True}),
        ({"students_group_exists": False}, {"students_group": True}),
        ({"sudoers_current": False}, {"sudoers": True}),
        ({"image_present": False}, {"image": "load"}),
        (
            {"package_states": {**dict.fromkeys(PACKAGES, "installed"), "util-linux": "unpacked"}},
            {"packages": ["util-linux"]},
        ),
    ],
)
def test_drift_is_repaired_by_exactly_the_step_that_fixes_it(
    drift: dict[str, object], step: dict[str, object]
) -> None:
    plan = probe.make_plan(settings(), converged_host(**drift), check_mode=False)
    assert plan == dataclasses.replace(NOTHING_TO_DO, **step)
    assert plan.any_step


@pytest.mark.parametrize("group", ["students\nALL ALL=(ALL) ALL", "%admin", "Students", "a b"])
def test_a_students_group_that_is_not_a_group_name_stops_before_any_change(group: str) -> None:
    # It goes into a sudoers line: anything but a plain name could widen the rule.
    with pytest.raises(probe.Stop, match="must be a group name"):
        probe.make_plan(settings(students_group=group), converged_host(), check_mode=False)


def test_the_sudo_rule_is_read_as_current_only_as_the_role_writes_it(tmp_path: Path) -> None:
    rule = "%students ALL=(root) NOPASSWD: /usr/local/bin/nslab-experiment\n"
    wanted = settings(students_group="students", sudoers_content=rule)
    sudoers = tmp_path / "etc/sudoers.d/nslab-experiment"
    sudoers.parent.mkdir(parents=True)
    assert not probe.read_host(wanted, tmp_path).sudoers_current  # missing
    assert probe.read_host(settings(), tmp_path).sudoers_current  # not wanted, absent
    sudoers.write_text(rule)
    sudoers.chmod(0o644)
    assert not probe.read_host(wanted, tmp_path).sudoers_current  # writable
    sudoers.chmod(0o440)
    assert probe.read_host(wanted, tmp_path).sudoers_current
    assert not probe.read_host(settings(), tmp_path).sudoers_current  # no longer wanted


def test_stale_lists_are_refreshed_only_when_a_package_is_installed() -> None:
    stale = {"lists_age_s": 7200.0}
    assert not probe.make_plan(settings(), converged_host(**stale), False).refresh_lists
    missing = converged_host(package_states={"python3": "installed"}, **stale)
    assert probe.make_plan(settings(), missing, False).refresh_lists
    no_lists = converged_host(package_states={}, lists_present=False)
    assert probe.make_plan(settings(), no_lists, False).refresh_lists


def test_a_host_that_pulls_gets_its_image_pulled() -> None:
    plan = probe.make_plan(
        settings(image_source="pull"), converged_host(image_present=False), False
    )
    assert plan.image == "pull"


def test_a_real_run_stops_before_any_change_when_docker_does_not_answer() -> None:
    host = fresh_host(docker_error="/var/run/docker.sock does not exist")
    with pytest.raises(probe.Stop) as stop:
        probe.make_plan(settings(), host, check_mode=False)
    message = str(stop.value)
    assert "/var/run/docker.sock does not exist" in message
    assert "docker_engine role" in message and "systemctl start docker" in message
    assert "Nothing was changed" in message


def test_a_check_run_before_docker_exists_says_what_it_would_do() -> None:
    host = fresh_host(docker_error="/var/run/docker.sock does not exist")
    plan = probe.make_plan(settings(), host, check_mode=True)
    assert plan.image == "load"
    assert plan.packages == ["python3-docker", "util-linux"]
    # The directory is only pretended: creating it already says the package would be unpacked.
    assert plan.create_install_dir and not plan.unpack_lab


# ----------------------------------------------------------------------------- reading


class _Engine(http.server.BaseHTTPRequestHandler):
    """The two Engine API answers the probe asks for: /_ping and an image inspect."""

    images = frozenset({"debian:12"})

    def do_GET(self) -> None:
        if self.path == "/_ping":
            status, body = 200, b"OK"
        elif self.path.startswith("/images/") and self.path.endswith("/json"):
            name = self.path.removeprefix("/images/").removesuffix("/json")
            found = name in self.images
            status = 200 if found else 404
            body = json.dumps(
                {"Id": "sha256:1"} if found else {"message": f"No such image: {name}"}
            ).encode()
        else:
            status, body = 500, json.dumps({"message": "unexpected"}).encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


class _UnixServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True

    def get_request(self):  # BaseHTTPRequestHandler wants a (host, port) client address
        request, _ = super().get_request()
        return request, ("local", 0)


@pytest.fixture
def engine_socket(tmp_path: Path) -> Iterator[str]:
    path = str(tmp_path / "docker.sock")
    server = _UnixServer(path, _Engine)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield path
    server.shutdown()
    server.server_close()


def test_the_engine_is_asked_over_its_socket(engine_socket: str) -> None:
    assert probe.docker_answers(engine_socket) == ""
    assert probe.image_present(engine_socket, "debian:12")
    assert not probe.image_present(engine_socket, "registry.example:5000/class/debian:12")


def test_a_missing_or_silent_socket_is_named(tmp_path: Path) -> None:
    assert probe.docker_answers(str(tmp_path / "absent.sock")) == (
        f"{tmp_path / 'absent.sock'} does not exist"
    )
    (tmp_path / "plain-file.sock").write_text("")
    assert "does not answer" in probe.docker_answers(str(tmp_path / "plain-file.sock"))


def _write(path: Path, data: bytes, mode: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    path.chmod(mode)


def test_read_host_on_a_converged_tree(tmp_path: Path, engine_socket: str) -> None:
    root = tmp_path / "root"
    (root / "opt/nslab/lab").mkdir(parents=True)
    (root / "opt/nslab/lab").chmod(0o755)
    _write(root / "opt/nslab/lab/__init__.py", MODULE, 0o644)
    _write(root / "usr/local/bin/nslab-experiment", COMMAND.encode(), 0o755)
    (root / "var/lib/nslab/report").mkdir(parents=True)
    (root / "var/lib/nslab/report").chmod(0o755)
    _write(
        root / "var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages",
        b"",
        0o644,
    )

    host = probe.read_host(settings(docker_socket=engine_socket), root)

    assert host.package_states["python3"] == "installed"  # dpkg-query of the machine running this
    assert host.lists_present and host.lists_age_s < 60
    assert host.install_dir_exists and host.lab_files_differing == []
    assert host.student_command_current and host.report_dir_ready
    assert host.docker_error == "" and host.image_present


def test_read_host_sees_each_drift(tmp_path: Path, engine_socket: str) -> None:
    root = tmp_path / "root"
    (root / "opt/nslab/lab").mkdir(parents=True, mode=0o755)
    _write(root / "opt/nslab/lab/__init__.py", b"edited\n", 0o644)
    _write(root / "usr/local/bin/nslab-experiment", COMMAND.encode(), 0o644)  # not executable
    (root / "var/lib/nslab").mkdir(parents=True)
    (root / "var/lib/nslab/report").write_text("a file, not the directory")

    host = probe.read_host(
        settings(docker_socket=engine_socket, image="debian:13", packages=["no-such-package-h9"]),
        root,
    )

    assert host.package_states == {}
    assert not host.lists_present
    assert host.lab_files_differing == ["lab/__init__.py"]
    assert not host.student_command_current and not host.report_dir_ready
    assert host.docker_error == "" and not host.image_present


def pack(tmp_path: Path, *parts: str) -> dict:
    """pack_lab.py as the role runs it, with TMPDIR pointed at tmp_path."""
    printed = subprocess.run(
        [sys.executable, str(ROLE / "files" / "pack_lab.py"), str(PROJECT / "lab"), *parts],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "TMPDIR": str(tmp_path)},
    )
    return {
        "returncode": printed.returncode,
        "stderr": printed.stderr,
        **(json.loads(printed.stdout) if printed.returncode == 0 else {}),
    }


def test_the_packed_archive_and_its_manifest_agree(tmp_path: Path) -> None:
    packed = pack(tmp_path, "__init__.py", "report")
    manifest, archive = packed["manifest"], Path(packed["archive"])
    with tarfile.open(archive) as tar:
        unpacked = {
            member.name: hashlib.sha256(tar.extractfile(member).read()).hexdigest()
            if member.isfile()
            else ""
            for member in tar.getmembers()
        }
    assert manifest == unpacked
    assert (
        manifest["lab/__init__.py"]
        == hashlib.sha256((PROJECT / "lab" / "__init__.py").read_bytes()).hexdigest()
    )
    assert manifest["lab/report"] == ""
    # In this user's private directory, one file per checkout: a second run replaces it whole.
    assert archive.parent == tmp_path / f"nslab-{os.getuid()}"
    assert stat.S_IMODE(archive.parent.stat().st_mode) == 0o700
    assert pack(tmp_path, "__init__.py", "report")["archive"] == str(archive)
    assert sorted(p.name for p in archive.parent.iterdir()) == [archive.name]
