"""Keeping secrets out of what a run leaves on disk.

ansible-runner copies the whole controller environment into `artifacts/<id>/command` (so a
`ANSIBLE_BECOME_PASS` exported by the instructor would be kept in every run directory), and it
puts `-e` values on the command line it records there. Names decide what counts as secret: a
value is never inspected, so a secret under an innocent name is the caller's to keep out.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

REDACTED = "<redacted>"

_SECRET_NAME = re.compile(
    r"pass|secret|token|credential|private_?key|vault|api_?key|auth_?key", re.IGNORECASE
)


def is_secret_name(name: str) -> bool:
    return bool(_SECRET_NAME.search(name))


def redact(values: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of `values` with every secret-named entry's value replaced."""
    return {name: REDACTED if is_secret_name(name) else value for name, value in values.items()}


def scrub_command_file(artifact_dir: Path) -> None:
    """Rewrite ansible-runner's `command` record with the secret environment entries redacted.

    The file is rewritten in place (same name, same 0600 mode) so the rest of the record - the
    exact command line and the non-secret environment - still documents how the run was made.
    """
    command_file = artifact_dir / "command"
    record = json.loads(command_file.read_text(encoding="utf-8"))
    record["env"] = redact(record.get("env", {}))
    command_file.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
