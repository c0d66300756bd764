"""A file the role writes from its variables: the one description the probe compares against
and docker_engine_files writes, so both agree on what "differs" means."""

from __future__ import annotations

from pathlib import Path

# Argument spec options of one entry in a list of files.
FILE_ENTRY_OPTIONS = {
    "path": {"type": "str", "required": True},
    # May carry a proxy URL with a password: never echoed back.
    "content": {"type": "str", "default": "", "no_log": True},
    "mode": {"type": "str", "default": "0644"},
    "state": {"type": "str", "default": "present", "choices": ["present", "absent"]},
}


def entry_differs(root: Path, entry: dict) -> bool:
    """Whether the host's file (under `root`) is not what `entry` describes: content, mode, owner
    root, or presence."""
    path = root / entry["path"].lstrip("/")
    if entry.get("state", "present") == "absent":
        return path.exists()
    try:
        info = path.stat()
    except FileNotFoundError:
        return True
    return (
        info.st_mode & 0o7777 != int(entry["mode"], 8)
        or info.st_uid != 0
        or path.read_bytes() != entry["content"].encode()
    )
