"""Pack the parts of the `lab` package the experiment needs into a reproducible tar archive.

Runs on the controller (standard library only). The same sources always give the same bytes —
sorted entries, fixed owner, modes and mtime — so the host only sees a change when a module
really changed, and the whole package travels in one transfer instead of one per file.

The archive goes into the running user's private directory under TMPDIR (nslab-<uid>, made
0700; one that is not a real directory of that user's, mode 0700, is refused), one file per
checkout, shared by that user's concurrent runs: another user of the controller can neither plant
a link where it is written nor swap what the hosts get.

Prints {"archive": its path, "manifest": each path as unpacked with its sha256, "" for a
directory}: the role's probe compares the host's files with the manifest, so the archive only
travels to a host whose package differs.

    python3 pack_lab.py LAB_DIR PART [PART ...]
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import stat
import sys
import tarfile
import tempfile
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
    # Whole or not at all: another run packing the same sources may be reading it. mkstemp
    # creates a fresh name exclusively (O_EXCL), so nothing planted is ever opened.
    fd, partial = tempfile.mkstemp(prefix=f".{archive.name}.", dir=archive.parent)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(buffer.getvalue())
        os.chmod(partial, 0o644)
        os.replace(partial, archive)
    except BaseException:
        os.unlink(partial)
        raise
    return manifest


def private_dir(base: Path) -> Path:
    """<base>/nslab-<uid>, made 0700 if missing; refused unless it is a real directory of this
    user's that nobody else can enter (someone else may have made it first, or linked it)."""
    directory = base / f"nslab-{os.getuid()}"
    with contextlib.suppress(FileExistsError):
        directory.mkdir(mode=0o700)
    info = directory.lstat()
    if (
        not stat.S_ISDIR(info.st_mode)
        or info.st_uid != os.getuid()
        or stat.S_IMODE(info.st_mode) & 0o077
    ):
        raise SystemExit(
            f"pack_lab: {directory} is not a private directory of this user's (a real directory, "
            "owned by it, mode 0700): remove it, or point TMPDIR at another directory"
        )
    return directory


def archive_path(lab_dir: Path) -> Path:
    """One archive per checkout (its real path), in the user's private directory."""
    checkout = hashlib.sha1(os.path.realpath(lab_dir).encode()).hexdigest()[:12]
    return private_dir(Path(tempfile.gettempdir())) / f"nslab-lab-{checkout}.tar"


if __name__ == "__main__":
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    lab = Path(sys.argv[1])
    archive = archive_path(lab)
    manifest = pack(lab, archive, sys.argv[2:])
    print(json.dumps({"archive": str(archive), "manifest": manifest}, sort_keys=True))
