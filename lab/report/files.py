"""Files written whole, for readers that may open them while nslab writes: a reader sees the
old file or the new one, never half of one, and a name planted where the file goes is replaced,
never written through. Standard library only: the hosts' copy of the package writes with it, and
the students' command starts fast.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def write_whole(path: Path, text: str, *, encoding: str = "utf-8", mode: int = 0o666) -> None:
    """`path` holds `text` (the role's fetch, a browser, a spreadsheet or LMS import read the
    reports, the class summary and the students' records written so). The text goes as it is
    (no newline translation: CSV's own line ends). No fsync: a file a crash loses is written
    again by running the command again."""
    data = text.encode(encoding)
    directory = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        write_whole_in(directory, path.name, data, mode)
    finally:
        os.close(directory)


def write_whole_in(directory: int, name: str, data: bytes, mode: int) -> None:
    """`name` in the open `directory` holds `data`, made with `mode` less the umask; the host's
    writes into a directory someone else may plant names in (a student's report directory, the
    students' records) hold it open and call this directly.

    A fresh file is created exclusively under a random name (a name planted there, link or not,
    is never opened), then renamed over `name` (which replaces a planted link instead of
    following it); it is removed if the write fails."""
    partial = f".{name}.{secrets.token_hex(6)}.partial"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    fd = os.open(partial, flags, mode, dir_fd=directory)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        os.rename(partial, name, src_dir_fd=directory, dst_dir_fd=directory)
    except BaseException:
        os.unlink(partial, dir_fd=directory)
        raise
