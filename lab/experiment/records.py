"""The students' work record on the host: /var/lib/nslab/students/<uid>.jsonl, which the
controller's `nslab collect` brings home (the record's keys are its contract; docs/security.md).

One file per invoking user, one JSON object per line, written by the students' command as root:
the directory root's 0700, the file root's 0600, so a student reads their record through the
command's output only and cannot edit it (a student who is root on the host can, and the
controller says "self-reported"). Bounded: the oldest lines go when a new one would pass
MAX_BYTES or MAX_RECORDS. Never through a symlink: each directory is opened with O_NOFOLLOW
from /var/lib down, the old file read with O_NOFOLLOW, the new one created exclusively under a
fresh name and renamed over the old (a planted link is replaced, its target untouched).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import pwd
import stat
from datetime import UTC, datetime
from typing import Any

from lab.report.files import write_whole_in

PARENT = "/var/lib"
PATH = ("nslab", "students")  # under PARENT
DIRECTORY = os.path.join(PARENT, *PATH)
MAX_BYTES = 64 * 1024
MAX_RECORDS = 200
MAX_TEXT = 200  # characters of any one string a record keeps
SCHEMA = 1
TYPES = ("cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts")

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


class NotRecorded(Exception):
    """The record could not be kept safely; the command says so and goes on."""


def text(value: object) -> str:
    """At most MAX_TEXT characters of valid UTF-8: bytes that are not (an argv decoded with
    surrogateescape) are kept as \\x.. escapes instead of breaking the line."""
    return str(value).encode("utf-8", "backslashreplace").decode("utf-8")[:MAX_TEXT]


def record(kind: str, uid: int, argv: list[str], matched: bool, **fields: Any) -> dict[str, Any]:
    """A record with the keys every kind has, then the kind's own."""
    try:
        user = pwd.getpwuid(uid).pw_name
    except KeyError:
        user = str(uid)
    return {
        "schema": SCHEMA,
        "kind": kind,
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "uid": uid,
        "user": text(user),
        "command": [text(arg) for arg in argv[:20]],
        "matched": bool(matched),
        **fields,
    }


def scenario_fields(scenario: Any, options: dict[str, list[str]]) -> dict[str, Any]:
    """`containers` and `namespaces` of a check or experiment record, from the scenario the
    report shows (lab.report.model.ScenarioResult); `options` per role: how each container
    differs from Docker's defaults."""
    namespaces = {}
    for row in scenario.namespaces:
        if row.name in TYPES and row.observed is not None and row.expected is not None:
            namespaces[row.name] = {
                "observed": "different" if row.observed.isolated else "same",
                "expected": "different" if row.expected.relations.isolated else "same",
                "matched": bool(row.match),
            }
    containers = [
        {
            "name": text(c.name),
            "image": text(c.image),
            "options": [text(o) for o in options.get(c.role, [])],
        }
        for c in scenario.containers
    ]
    return {"containers": containers, "namespaces": namespaces}


def append(entry: dict[str, Any], uid: int) -> None:
    """Add `entry` to the user's file, dropping the oldest lines past the bounds."""
    line = json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
    if len(line) > MAX_BYTES:
        raise NotRecorded("the record is larger than the file may be")
    directory = _open_directory()
    try:
        # One writer at a time per host: two runs of one user would otherwise lose a line.
        fcntl.flock(directory, fcntl.LOCK_EX)
        name = f"{int(uid)}.jsonl"
        lines = [*_read_lines(directory, name), line]
        while len(lines) > MAX_RECORDS or sum(map(len, lines)) > MAX_BYTES:
            lines.pop(0)
        write_whole_in(directory, name, b"".join(lines), 0o600)
    finally:
        os.close(directory)


def _open_directory() -> int:
    """The records directory, made if missing; refused unless each step is a real directory of
    root's that no one else may write."""
    fd = os.open(PARENT, _DIR_FLAGS)
    try:
        for part in PATH:
            with contextlib.suppress(FileExistsError):
                os.mkdir(part, 0o700 if part == PATH[-1] else 0o755, dir_fd=fd)
            try:
                inner = os.open(part, _DIR_FLAGS, dir_fd=fd)
            except OSError as error:
                raise NotRecorded(
                    f"{os.path.join(PARENT, part)} is not a directory ({error.strerror})"
                ) from None
            os.close(fd)
            fd = inner
            info = os.fstat(fd)
            if info.st_uid != 0 or info.st_mode & 0o022:
                raise NotRecorded(f"{DIRECTORY}: a directory on its path is not root's alone")
        os.fchmod(fd, 0o700)
        return fd
    except BaseException:
        os.close(fd)
        raise


def _read_lines(directory: int, name: str) -> list[bytes]:
    try:
        fd = os.open(
            name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK, dir_fd=directory
        )
    except FileNotFoundError:
        return []
    except OSError as error:
        if error.errno == errno.ELOOP:
            return []  # a link where the file should be: replaced, never read or followed
        raise
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return []
        # A file grown past the bound (by hand) keeps its newest whole lines only.
        cut = info.st_size > MAX_BYTES
        file.seek(info.st_size - MAX_BYTES if cut else 0)
        lines = file.read(MAX_BYTES).split(b"\n")
    return [line + b"\n" for line in lines[1 if cut else 0 :] if line]
