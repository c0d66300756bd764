"""`./nslab` runs nslab's own Python modules (`python3 -m ...`) as root before the command does
anything. `python3 -m` puts the current directory first on the path, so typed from a directory
another user of the controller can write (`cd /tmp/shared && sudo ~/nslab/nslab --help`), a
planted `lab/` there would run as root. The setup runs Python with -P: the current directory is
never on the path."""

from __future__ import annotations

import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_a_lab_package_planted_in_the_current_directory_does_not_run(tmp_path: Path) -> None:
    proof = tmp_path / "planted-code-ran"
    planted = tmp_path / "shared" / "lab"
    planted.mkdir(parents=True)
    for name in ("__init__.py", "__main__.py"):
        (planted / name).write_text(f"open({str(proof)!r}, 'w').write('ran')\n")

    done = subprocess.run(
        [str(REPO / "nslab"), "--help"],
        cwd=planted.parent,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert "usage: nslab" in done.stdout
    assert not proof.exists()
