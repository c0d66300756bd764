"""Writing a whole file inside a directory held open (a file descriptor), never through a link.

The host side writes where someone else may plant names: root writing the students' records, and
the students' command writing a student's reports into the student's own directory. A fresh file
is created exclusively under a random name (a name planted there, link or not, is never opened),
then renamed over the target (which replaces a planted link instead of following it).
"""

from __future__ import annotations

import os
import secrets

_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


def write_whole_in(directory: int, name: str, data: bytes, mode: int) -> None:
    """`name` in `directory` holds `data`, made with `mode` (less the umask); a reader sees the
    old file or the new one, never a part."""
    partial = f".{name}.{secrets.token_hex(6)}.partial"
    fd = os.open(partial, _CREATE, mode, dir_fd=directory)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        os.rename(partial, name, src_dir_fd=directory, dst_dir_fd=directory)
    except BaseException:
        os.unlink(partial, dir_fd=directory)
        raise
