"""The lab package packed on the controller: another user of the controller gets nothing from
its path being predictable.

The archive is what every host unpacks as root, so neither its bytes nor the place it is written
may be another user's to choose. Runs the role's files/pack_lab.py for real on this machine.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
PACK_LAB = PROJECT / "roles" / "namespace_lab" / "files" / "pack_lab.py"
NOBODY = 65534


def pack_lab():
    spec = importlib.util.spec_from_file_location("pack_lab", PACK_LAB)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_link_planted_at_the_partial_archive_is_not_written_through(tmp_path: Path) -> None:
    # A shared directory where fs.protected_symlinks does not apply (it only guards sticky,
    # world-writable ones such as /tmp): the partial file's name was the archive's plus the
    # packer's pid, which anyone can guess.
    victim = tmp_path / "victim"
    victim.write_text("someone else's file\n")
    archive = tmp_path / "nslab-lab-0123456789ab.tar"
    planted = tmp_path / f".{archive.name}.{os.getpid()}"
    planted.symlink_to(victim)

    pack_lab().pack(PROJECT / "lab", archive, ["__init__.py"])

    assert victim.read_text() == "someone else's file\n"
    assert archive.is_file() and not archive.is_symlink()


def run_pack_lab(tmpdir: Path) -> subprocess.CompletedProcess[str]:
    """files/pack_lab.py as the role runs it, with TMPDIR pointed at `tmpdir`."""
    return subprocess.run(
        [sys.executable, str(PACK_LAB), str(PROJECT / "lab"), "__init__.py"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "TMPDIR": str(tmpdir)},
    )


def test_the_archive_is_kept_where_no_other_user_can_write(tmp_path: Path) -> None:
    packed = run_pack_lab(tmp_path)
    assert packed.returncode == 0, packed.stderr
    archive = Path(json.loads(packed.stdout)["archive"])
    assert archive.parent.parent == tmp_path
    info = archive.parent.lstat()
    assert (info.st_uid, info.st_mode & 0o7777) == (os.getuid(), 0o700)


def test_a_directory_another_user_made_first_is_refused(tmp_path: Path) -> None:
    # Another user of the controller makes the private directory's name first, open to them.
    tmp_path.chmod(0o1777)
    theirs = tmp_path / f"nslab-{os.getuid()}"
    theirs.mkdir(mode=0o700)
    os.chown(theirs, NOBODY, NOBODY)
    result = run_pack_lab(tmp_path)
    assert result.returncode != 0 and "not a private directory" in result.stderr, result
    assert list(theirs.iterdir()) == []
