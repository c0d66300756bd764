"""One run per reports directory: both ways of running a class take the same lock.

`nslab provision` takes it for its own process before ansible-playbook starts; a plain
`ansible-playbook playbooks/lab.yml` takes it in preflight, for the ansible-playbook process
(`python3 -m lab.runlock --reports-dir DIR`). The lock is a small file in the reports directory
naming its holder (user, pid, the process's start time, since when): it is held while that
process lives, so a run that was killed leaves nothing to clean up, and a second run stops at
once with one line naming the first. A holder that is an ancestor of the caller is the caller's
own run (the playbook started by `nslab provision`).

Taking the lock also makes the reports directory private (0700): it holds students' IDs and
verdicts, and other users of a shared controller have no business there.
"""

from __future__ import annotations

import argparse
import fcntl
import getpass
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from lab.errors import LabError

LOCK_NAME = ".nslab-run.lock"
# Held only while a lock is checked and taken, so two runs starting together cannot both win.
_GUARD_NAME = ".nslab-run.lock.guard"


class RunLocked(LabError):
    exit_code = 1


@dataclass(frozen=True)
class Holder:
    user: str
    pid: int
    # The process's start time (clock ticks after boot): a reused pid is not the holder.
    started_ticks: int
    since: str
    command: str

    def alive(self) -> bool:
        return _start_ticks(self.pid) == self.started_ticks


def private_dir(path: Path) -> Path:
    """`path` as a directory only its owner can enter (made, or narrowed when it exists)."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_mode & 0o077 and path.stat().st_uid == os.getuid():
        path.chmod(0o700)
    return path


def take(reports_dir: Path, pid: int, command: str) -> Holder:
    """Hold `reports_dir` for process `pid`; RunLocked when another live run holds it."""
    private_dir(reports_dir)
    lock = reports_dir / LOCK_NAME
    with _guard(reports_dir):
        holder = read_holder(lock)
        if holder is not None and holder.alive():
            if holder.pid == pid or holder.pid in _ancestors(os.getpid()):
                return holder
            raise RunLocked(
                f"{reports_dir} is in use by another nslab run: {holder.user}'s "
                f"{holder.command} (pid {holder.pid}) since {holder.since}; wait for it to end "
                "(or stop it), or give this run another reports directory"
            )
        mine = Holder(
            user=getpass.getuser(),
            pid=pid,
            started_ticks=_start_ticks(pid),
            since=datetime.now(UTC).isoformat(timespec="seconds"),
            command=command,
        )
        partial = reports_dir / f".{LOCK_NAME}.{os.getpid()}"
        partial.unlink(missing_ok=True)
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(asdict(mine), out)
        os.replace(partial, lock)
        return mine


def release(reports_dir: Path, holder: Holder) -> None:
    """Give the lock back (only if `holder` still holds it)."""
    lock = reports_dir / LOCK_NAME
    with _guard(reports_dir):
        if read_holder(lock) == holder:
            lock.unlink(missing_ok=True)


@contextmanager
def held(reports_dir: Path, command: str) -> Iterator[Holder]:
    """The lock for this process while the block runs."""
    holder = take(reports_dir, os.getpid(), command)
    try:
        yield holder
    finally:
        if holder.pid == os.getpid():
            release(reports_dir, holder)


def read_holder(lock: Path) -> Holder | None:
    try:
        return Holder(**json.loads(lock.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None  # no lock, or one this run cannot read: nobody holds it


@contextmanager
def _guard(reports_dir: Path) -> Iterator[None]:
    fd = os.open(reports_dir / _GUARD_NAME, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _stat_fields(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after its last ')'.
    return text[text.rindex(")") + 2 :].split()


def _start_ticks(pid: int) -> int:
    fields = _stat_fields(pid)
    return int(fields[19]) if fields else -1  # field 22 of proc(5)


def _ancestors(pid: int) -> list[int]:
    found = []
    fields = _stat_fields(pid)
    while fields and int(fields[1]) > 1:
        pid = int(fields[1])
        found.append(pid)
        fields = _stat_fields(pid)
    return found


def playbook_pid() -> int:
    """The ansible-playbook process this command runs under: the outermost ancestor running it
    (its workers are forks with the same command line)."""
    found = None
    for pid in _ancestors(os.getpid()):
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if any(Path(arg.decode(errors="replace")).name == "ansible-playbook" for arg in argv[:2]):
            found = pid
    if found is None:
        raise LabError("lab.runlock: not started by ansible-playbook; nothing to hold the lock for")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Hold a reports directory for this playbook run.")
    parser.add_argument("--reports-dir", type=Path, required=True)
    args = parser.parse_args(argv)
    try:
        holder = take(args.reports_dir.resolve(), playbook_pid(), "ansible-playbook")
    except LabError as error:
        print(error, file=sys.stderr)
        return error.exit_code
    print(json.dumps(asdict(holder)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
