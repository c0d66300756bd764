"""Pack the parts of the `lab` package the experiment needs into a reproducible tar archive.

Runs on the controller (standard library only). The same sources always give the same bytes —
sorted entries, fixed owner, modes and mtime — so the host only sees a change when a module
really changed, and the whole package travels in one transfer instead of one per file.

Prints the archive's manifest as JSON (each path, as unpacked, with its sha256; "" for a
directory): the role's probe compares the host's files with it, so the archive only travels to
a host whose package differs.

    python3 pack_lab.py LAB_DIR ARCHIVE PART [PART ...]
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sys
import tarfile
from pathlib import Path

# 2000-01-01: any fixed date works; unarchive compares it with the files on the host.
FIXED_MTIME = 946684800


def entries(lab_dir: Path, parts: list[str]) -> list[Path]:
    chosen: list[Path] = []
    for part in parts:
        top = lab_dir / part
        if not top.exists():
            raise SystemExit(f"pack_lab: {top} does not exist (namespace_lab_package_parts)")
        chosen.append(top)
        if top.is_dir():
            chosen.extend(
                path
                for path in top.rglob("*")
                if "__pycache__" not in path.parts and path.suffix != ".pyc"
            )
    return sorted(set(chosen))


def pack(lab_dir: Path, archive: Path, parts: list[str]) -> dict[str, str]:
    """Write the archive; return its manifest."""
    manifest: dict[str, str] = {}
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for path in [lab_dir, *entries(lab_dir, parts)]:
            relative = path.relative_to(lab_dir).as_posix()
            info = tarfile.TarInfo("lab" if relative == "." else f"lab/{relative}")
            info.mtime = FIXED_MTIME
            info.uid = info.gid = 0
            info.uname = info.gname = "root"
            if path.is_dir():
                info.type = tarfile.DIRTYPE
                info.mode = 0o755
                tar.addfile(info)
                manifest[info.name] = ""
            else:
                data = path.read_bytes()
                info.size = len(data)
                info.mode = 0o644
                tar.addfile(info, io.BytesIO(data))
                manifest[info.name] = hashlib.sha256(data).hexdigest()
    # The archive runs as root on every host: its directory is the owner's alone.
    archive.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # Whole or not at all: another run packing the same sources may be reading it. Created
    # exclusively, never through a link someone else left under that name.
    partial = archive.with_name(f".{archive.name}.{os.getpid()}")
    partial.unlink(missing_ok=True)
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(buffer.getvalue())
    os.replace(partial, archive)
    return manifest


if __name__ == "__main__":
    if len(sys.argv) < 4:
        raise SystemExit(__doc__)
    print(json.dumps(pack(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:]), sort_keys=True))
