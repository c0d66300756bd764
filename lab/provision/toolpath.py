"""Where the Ansible command-line tools are: next to this Python (the venv), else on PATH.

`nslab` may be started as `.venv/bin/nslab` without the venv on PATH; the Ansible it was
installed with is then still the one that must run.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def ansible_bin_dir() -> Path | None:
    beside = Path(sys.executable).parent
    return beside if (beside / "ansible-playbook").exists() else None


def path_with_ansible(current: str | None) -> str:
    """A PATH value that finds this installation's ansible-* tools first."""
    parts = [p for p in (current or os.defpath).split(os.pathsep) if p]
    bin_dir = ansible_bin_dir()
    if bin_dir is not None:
        parts = [str(bin_dir), *(p for p in parts if p != str(bin_dir))]
    return os.pathsep.join(parts)
