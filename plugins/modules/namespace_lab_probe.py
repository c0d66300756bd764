#!/usr/bin/python
"""One read-only look at a lab host, and the namespace_lab role's plan for it.

`read_host` gathers everything the role decides on in one round trip: dpkg's view of the
experiment's packages, the age of apt's lists, the installed lab package against the manifest of
the archive the controller packed, the students' command and its sudo rule, the report directory,
and whether the host's Docker answers and has the lab image (asked over /var/run/docker.sock with
the standard library: python3-docker may not be installed yet). `make_plan` turns that and the
role's settings into the steps this host still needs. Both are plain functions over dataclasses,
so the decisions are unit-tested without a host. Only Debian's python3 stdlib is used.
"""

from __future__ import annotations

import grp
import hashlib
import http.client
import json
import re
import socket
import stat
import subprocess
import time
import urllib.parse
from dataclasses import asdict, dataclass
from pathlib import Path

from ansible.module_utils.basic import AnsibleModule

DOCUMENTATION = r"""
---
module: namespace_lab_probe
short_description: Read what the namespace_lab role decides on, and plan its steps
description:
  - Reads the host once (dpkg states of the experiment's packages, the age of apt's lists, the
    lab package's files against the controller's manifest, the students' command, the report
    directory, whether Docker answers on its socket and has the lab image) and returns it as
    C(host).
  - Returns C(plan), the steps this host still needs, and fails with a message that names the
    problem and the fix when the role must stop before any change.
  - Read-only; runs the same in check mode.
options:
  packages: {type: list, elements: str, required: true}
  apt_cache_valid_time: {type: int, default: 3600}
  install_dir: {type: path, required: true}
  lab_manifest:
    description: The packed lab package, path under install_dir -> sha256 (directories "").
    type: dict
    required: true
  student_command: {type: path, required: true}
  student_command_content: {type: str, required: true}
  students_group:
    description: The group allowed the students' command through sudo; "" for none.
    type: str
    default: ""
  sudoers: {type: path, default: /etc/sudoers.d/nslab-experiment}
  sudoers_content:
    description: The sudoers drop-in as the role writes it; "" when it must be absent.
    type: str
    default: ""
  report_dir: {type: path, required: true}
  image: {type: str, required: true}
  image_source: {type: str, required: true, choices: [load, registry, pull]}
  docker_socket: {type: path, default: /var/run/docker.sock}
author: nslab
"""

RETURN = r"""
host:
  description: What was read on the host.
  returned: always
  type: dict
plan:
  description: The steps this host needs (see the role's tasks/steps.yml).
  returned: success
  type: dict
"""

LISTS_DIR = Path("/var/lib/apt/lists")
UPDATE_STAMP = Path("/var/lib/apt/periodic/update-success-stamp")
DOCKER_TIMEOUT_S = 10
FILE_MODE = 0o644
DIRECTORY_MODE = 0o755
EXECUTABLE_MODE = 0o755
GROUP_NAME = re.compile(r"[a-z_][a-z0-9_-]{0,31}")
SUDOERS_MODE = 0o440  # what sudo itself asks of a drop-in: root's, not writable


class Stop(Exception):
    """The role must stop before any change; the message says why and what to do."""


@dataclass(frozen=True)
class Settings:
    packages: list[str]
    apt_cache_valid_time: int
    install_dir: str
    lab_manifest: dict[str, str]
    student_command: str
    student_command_content: str
    report_dir: str
    image: str
    image_source: str  # load (an archive the controller has), registry (the controller's) or pull
    docker_socket: str = "/var/run/docker.sock"
    students_group: str = ""  # namespace_lab_students_sudo
    sudoers: str = "/etc/sudoers.d/nslab-experiment"
    sudoers_content: str = ""  # "": the drop-in must be absent


@dataclass
class Host:
    package_states: dict[str, str]  # dpkg's db:Status-Status by name; absent when never seen
    lists_present: bool
    lists_age_s: float
    install_dir_exists: bool
    lab_files_differing: list[str]  # manifest paths missing or not as packed (content, mode, owner)
    student_command_current: bool  # content, mode 0755 and owner root as the role writes it
    report_dir_ready: bool  # a root-owned 0755 directory
    docker_error: str  # "" when the engine answers on its socket, else why not
    image_present: bool
    students_group_exists: bool = True  # or no group is asked for
    sudoers_current: bool = True  # as the role writes it (0440, root's), or absent when unwanted


@dataclass
class Plan:
    packages: list[str]  # to install with apt-get
    refresh_lists: bool
    create_install_dir: bool
    unpack_lab: bool
    student_command: bool
    report_dir: bool
    image: str  # "", load, registry or pull
    students_group: bool = False  # create the group namespace_lab_students_sudo names
    sudoers: bool = False  # write the students' sudo rule (or remove it when none is wanted)

    @property
    def any_step(self) -> bool:
        """Whether the host needs anything before the experiment (a converged host does not)."""
        return bool(
            self.packages
            or self.create_install_dir
            or self.unpack_lab
            or self.student_command
            or self.report_dir
            or self.image
            or self.students_group
            or self.sudoers
        )


# ----------------------------------------------------------------------------- reading the host


def read_host(settings: Settings, root: Path = Path("/")) -> Host:
    """Everything the plan needs, read once. Files are read under `root` (tests point it at a
    fake tree); dpkg-query, the group database and the Docker socket answer for the running
    system."""

    def at(path: str | Path) -> Path:
        return root / str(path).lstrip("/")

    install_dir = at(settings.install_dir)
    docker_error = docker_answers(settings.docker_socket)
    lists = at(LISTS_DIR)
    return Host(
        package_states=package_states(settings.packages),
        lists_present=any(lists.glob("*_Packages*")),
        lists_age_s=time.time() - max(_mtime(lists), _mtime(at(UPDATE_STAMP))),
        install_dir_exists=install_dir.is_dir(),
        lab_files_differing=files_differing(install_dir, settings.lab_manifest),
        student_command_current=_is_owned_file(
            at(settings.student_command),
            settings.student_command_content.encode(),
            EXECUTABLE_MODE,
        ),
        report_dir_ready=_is_owned_directory(at(settings.report_dir)),
        docker_error=docker_error,
        image_present=not docker_error and image_present(settings.docker_socket, settings.image),
        students_group_exists=not settings.students_group or group_exists(settings.students_group),
        sudoers_current=_is_owned_file(
            at(settings.sudoers), settings.sudoers_content.encode(), SUDOERS_MODE
        )
        if settings.sudoers_content
        else not at(settings.sudoers).exists() and not at(settings.sudoers).is_symlink(),
    )


def group_exists(name: str) -> bool:
    """Whether the system knows the group (as the group module asks: any NSS source)."""
    try:
        grp.getgrnam(name)
    except KeyError:
        return False
    return True


def package_states(names: list[str]) -> dict[str, str]:
    """dpkg's status of each package it knows (dpkg-query exits 1 for the others)."""
    result = subprocess.run(
        ["dpkg-query", "--show", "--showformat=${Package}\t${db:Status-Status}\n", *names],
        capture_output=True,
        text=True,
        check=False,
    )
    states = {}
    for line in result.stdout.splitlines():
        name, _, status = line.partition("\t")
        states[name.split(":")[0]] = status
    return states


def files_differing(install_dir: Path, manifest: dict[str, str]) -> list[str]:
    """Manifest entries (files with their sha256, directories with "") that the host lacks or
    has otherwise than the archive unpacks them."""
    differing = []
    for relative, digest in sorted(manifest.items()):
        path = install_dir / relative
        if digest:
            current = _is_owned_file(path, None, FILE_MODE) and _sha256(path) == digest
        else:
            current = _is_owned_directory(path)
        if not current:
            differing.append(relative)
    return differing


def _is_owned_file(path: Path, content: bytes | None, mode: int) -> bool:
    try:
        info = path.lstat()
        return (
            stat.S_ISREG(info.st_mode)
            and stat.S_IMODE(info.st_mode) == mode
            and info.st_uid == 0
            and (content is None or path.read_bytes() == content)
        )
    except (FileNotFoundError, NotADirectoryError):
        return False


def _is_owned_directory(path: Path) -> bool:
    try:
        info = path.lstat()
    except (FileNotFoundError, NotADirectoryError):
        return False
    return (
        stat.S_ISDIR(info.st_mode)
        and stat.S_IMODE(info.st_mode) == DIRECTORY_MODE
        and info.st_uid == 0
    )


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return 0.0


class _UnixHTTPConnection(http.client.HTTPConnection):
    """HTTP to the Docker engine's unix socket, as the docker CLI talks to it."""

    def __init__(self, socket_path: str) -> None:
        super().__init__("localhost", timeout=DOCKER_TIMEOUT_S)
        self.socket_path = socket_path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.socket_path)


def docker_get(socket_path: str, path: str) -> tuple[int, bytes]:
    """GET an unversioned Engine API path: the engine answers in its own API version, so no
    client version can be too old for it (Engine 29 refuses pinned versions below 1.44)."""
    connection = _UnixHTTPConnection(socket_path)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def docker_answers(socket_path: str) -> str:
    """ "" when the engine answers /_ping, else what went wrong, in words."""
    try:
        status, body = docker_get(socket_path, "/_ping")
    except FileNotFoundError:
        return f"{socket_path} does not exist"
    except (OSError, http.client.HTTPException) as error:
        return f"{socket_path} does not answer ({error})"
    if status != 200:
        return f"{socket_path} answered {status}: {body.decode(errors='replace').strip()}"
    return ""


def image_present(socket_path: str, image: str) -> bool:
    status, body = docker_get(socket_path, f"/images/{urllib.parse.quote(image, safe='/:@')}/json")
    if status not in (200, 404):
        raise Stop(
            f"The host's Docker could not say whether it has {image} "
            f"({status}: {_engine_message(body)}). Nothing was changed."
        )
    return status == 200


def _engine_message(body: bytes) -> str:
    try:
        return str(json.loads(body).get("message", "")).strip()
    except (ValueError, AttributeError):
        return body.decode(errors="replace").strip()


# ----------------------------------------------------------------------------- deciding


def make_plan(settings: Settings, host: Host, check_mode: bool) -> Plan:
    # Only a check run may meet a host without a working engine: docker_engine ran before this
    # role and only pretended to install it.
    if host.docker_error and not check_mode:
        raise Stop(
            f"The lab needs the host's Docker engine, and it does not answer: {host.docker_error}. "
            "Install Docker first (the docker_engine role, which playbooks/lab.yml runs before "
            "this one), or start it (systemctl start docker). Nothing was changed."
        )
    # The name goes into a sudoers line: only what groupadd itself accepts by default.
    if settings.students_group and not GROUP_NAME.fullmatch(settings.students_group):
        raise Stop(
            f"namespace_lab_students_sudo must be a group name (lower-case letters, digits, _ "
            f"and -, starting with a letter or _), not {settings.students_group!r}. "
            "Nothing was changed."
        )
    missing = [name for name in settings.packages if host.package_states.get(name) != "installed"]
    lists_stale = not host.lists_present or host.lists_age_s > settings.apt_cache_valid_time
    create_install_dir = not host.install_dir_exists
    return Plan(
        packages=missing,
        refresh_lists=bool(missing) and lists_stale,
        create_install_dir=create_install_dir,
        # A check run cannot unpack into a directory it only pretended to create; creating it
        # already says the package would be installed.
        unpack_lab=bool(host.lab_files_differing) and not (check_mode and create_install_dir),
        student_command=not host.student_command_current,
        report_dir=not host.report_dir_ready,
        image="" if host.image_present else settings.image_source,
        students_group=not host.students_group_exists,
        sudoers=not host.sudoers_current,
    )


# ----------------------------------------------------------------------------- the module


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "packages": {"type": "list", "elements": "str", "required": True},
            "apt_cache_valid_time": {"type": "int", "default": 3600},
            "install_dir": {"type": "path", "required": True},
            "lab_manifest": {"type": "dict", "required": True},
            "student_command": {"type": "path", "required": True},
            "student_command_content": {"type": "str", "required": True},
            "students_group": {"type": "str", "default": ""},
            "sudoers": {"type": "path", "default": "/etc/sudoers.d/nslab-experiment"},
            "sudoers_content": {"type": "str", "default": ""},
            "report_dir": {"type": "path", "required": True},
            "image": {"type": "str", "required": True},
            "image_source": {"type": "str", "required": True, "choices": ["load", "registry", "pull"]},
            "docker_socket": {"type": "path", "default": "/var/run/docker.sock"},
        },
        supports_check_mode=True,
    )
    settings = Settings(**module.params)
    host_view: dict[str, object] = {}
    try:
        host = read_host(settings)
        host_view = asdict(host)
        plan = make_plan(settings, host, module.check_mode)
    except Stop as stop:
        module.fail_json(msg=str(stop), host=host_view)
    plan_view = {**asdict(plan), "any_step": plan.any_step}
    module.exit_json(changed=False, host=host_view, plan=plan_view)


if __name__ == "__main__":
    main()
