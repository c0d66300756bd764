#!/usr/bin/python
"""Read the students' work records on a lab host, bounded, for the controller to bring home.

The students' command keeps one file per student in /var/lib/nslab/students/<uid>.jsonl (at
most 64 KiB). This reads them in one round trip and returns their text: never through a symbolic
link (the directory and each file are opened with O_NOFOLLOW), never anything but a regular file
(a FIFO would block, a device would never end), never past the bound. What it will not read is
named in `refused`, so the instructor sees that something was there. Read-only; the same in check
mode. Only Debian's python3 stdlib is used.
"""

from __future__ import annotations

import errno
import os
import re
import stat

from ansible.module_utils.basic import AnsibleModule

DOCUMENTATION = r"""
---
module: namespace_lab_students
short_description: Read the students' work records on a lab host (bounded, no symlinks)
description:
  - Returns C(files), each C(name) and C(content) of a <uid>.jsonl in C(path), and C(refused),
    why each other entry was not read (a link, not a regular file, over C(max_bytes)).
  - A missing directory is no students yet. Read-only; runs the same in check mode.
options:
  path:
    description: The records directory the students' command writes.
    type: path
    default: /var/lib/nslab/students
  max_bytes:
    description: The largest record file read (the command keeps each under 64 KiB).
    type: int
    default: 65536
  max_files:
    description: At most this many entries of the directory are looked at.
    type: int
    default: 500
author: nslab
"""

_RECORD_FILE = re.compile(r"^[0-9]{1,10}\.jsonl$")
_NO_FOLLOW = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK


def read_records(path: str, max_bytes: int, max_files: int) -> dict[str, list]:
    files: list[dict[str, str]] = []
    refused: list[str] = []
    try:
        folder = os.open(path, _NO_FOLLOW | os.O_DIRECTORY)
    except OSError as error:
        if error.errno == errno.ENOENT:
            return {"files": files, "refused": refused}
        # O_NOFOLLOW with O_DIRECTORY answers a link with ELOOP or ENOTDIR, as it does a file.
        linked = error.errno in (errno.ELOOP, errno.ENOTDIR)
        reason = "a symbolic link or not a directory" if linked else error.strerror
        return {"files": files, "refused": [f"{path}: {reason}, not read"]}
    try:
        names = sorted(name for name in os.listdir(folder) if not name.startswith("."))
        if len(names) > max_files:
            refused.append(f"{len(names)} entries in {path}; only the first {max_files} read")
            names = names[:max_files]
        for name in names:
            if not _RECORD_FILE.match(name):
                refused.append(f"{name[:80]!r}: not a student's record file (<uid>.jsonl)")
                continue
            content, problem = _read_one(folder, name, max_bytes)
            if problem:
                refused.append(f"{name}: {problem}")
            else:
                files.append({"name": name, "content": content})
    finally:
        os.close(folder)
    return {"files": files, "refused": refused}


def _read_one(folder: int, name: str, max_bytes: int) -> tuple[str, str]:
    try:
        handle = os.open(name, _NO_FOLLOW, dir_fd=folder)
    except OSError as error:
        return "", "a symbolic link, not followed" if error.errno == errno.ELOOP else error.strerror
    with os.fdopen(handle, "rb") as file:
        if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
            return "", "not a regular file, not read"
        data = file.read(max_bytes + 1)
    if len(data) > max_bytes:
        return "", f"larger than {max_bytes // 1024} KiB, not read"
    return data.decode("utf-8", errors="replace"), ""


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "path": {"type": "path", "default": "/var/lib/nslab/students"},
            "max_bytes": {"type": "int", "default": 65536},
            "max_files": {"type": "int", "default": 500},
        },
        supports_check_mode=True,
    )
    params = module.params
    module.exit_json(
        changed=False, **read_records(params["path"], params["max_bytes"], params["max_files"])
    )


if __name__ == "__main__":
    main()
