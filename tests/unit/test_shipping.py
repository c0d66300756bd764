"""lab/shipping.json is the one list of what ships: the collection, the wheel's project files and
the hosts' copy of the lab package are what it says, checked on the real artifacts."""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
from fnmatch import fnmatch
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
SHIPPING = json.loads((PROJECT / "lab" / "shipping.json").read_text())
VENV_BIN = Path(sys.executable).parent


def _never(name: str) -> bool:
    return any(
        fnmatch(part, pattern) or f"/{pattern}/" in f"/{name}/"
        for pattern in SHIPPING["never"]
        for part in name.split("/")
    )


def test_the_built_collection_holds_exactly_the_list(tmp_path: Path) -> None:
    # galaxy.yml's build_ignore is what ansible-galaxy reads: the built artifact shows whether it
    # agrees with the list (a file left out of build_ignore ships silently otherwise).
    subprocess.run(
        [str(VENV_BIN / "ansible-galaxy"), "collection", "build", "--output-path", str(tmp_path)],
        cwd=PROJECT,
        check=True,
        capture_output=True,
    )
    (built,) = tmp_path.glob("nslab-lab-*.tar.gz")
    with tarfile.open(built) as archive:
        names = [member.name for member in archive.getmembers()]
    top = {name.split("/")[0] for name in names} - {"MANIFEST.json", "FILES.json"}
    assert top == set(SHIPPING["collection"])
    assert [name for name in names if _never(name)] == []


def test_every_listed_entry_exists() -> None:
    # A name that no longer exists would ship nothing without a word (the wheel's contents are
    # checked in tests/unit/test_layout.py, the hosts' parts in tests/unit/test_shipped_package.py).
    for name in (*SHIPPING["wheel_project"], *SHIPPING["collection"]):
        assert (PROJECT / name).exists(), name
    for part in SHIPPING["host"]:
        assert (PROJECT / "lab" / part).exists(), part
