"""Keeping secrets out of what a run leaves on disk.

Three things make a value secret: its name (a variable or environment entry called *password*,
*secret*, *token*, ... — `is_secret_name`), its shape (the userinfo of a URL,
`http://user:PASSWORD@proxy:3128`), and its origin (a password typed at a prompt or read from a
vault password file, a value that came out of Ansible Vault): such values are known to the run
and blanked wherever they appear, in run.json, in every job event before ansible-runner writes
it, in the stdout record, and in any other file under the run directory at the end.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

REDACTED = "<redacted>"
# Shorter "secrets" would blank ordinary words ("yes", "ok") all over the record.
MIN_KNOWN_LENGTH = 4

_SECRET_NAME = re.compile(
    r"passw(or)?d|passphrase|(^|_)pass($|_)|secret|token|credential|private_?key|vault"
    r"|api_?key|auth_?key",
    re.IGNORECASE,
)
# scheme://userinfo@ — userinfo is user:password, or a lone token (https://TOKEN@host). Up to
# the authority's last '@': a password typed with a raw '@' in it is blanked whole.
_URL_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^\s/?#'\"]+)@")


def is_secret_name(name: str) -> bool:
    return bool(_SECRET_NAME.search(name))


def redact(values: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of `values` with every secret-named entry's value replaced."""
    return {name: REDACTED if is_secret_name(name) else value for name, value in values.items()}


def redact_url_userinfo(text: str) -> str:
    def blank(match: re.Match[str]) -> str:
        user, colon, _ = match["userinfo"].partition(":")
        userinfo = f"{user}:{REDACTED}" if colon else REDACTED
        return f"{match['scheme']}{userinfo}@"

    return _URL_USERINFO.sub(blank, text)


def url_passwords(value: Any) -> list[str]:
    """The passwords in the URLs found anywhere in `value` (strings, lists, mappings)."""
    found: list[str] = []
    for text in all_strings(value):
        for match in _URL_USERINFO.finditer(text):
            user, colon, password = match["userinfo"].partition(":")
            found.append(password if colon else user)
    return found


def secret_named_values(value: Any) -> list[str]:
    """The string leaves under every secret-named key of `value`, at any depth."""
    found: list[str] = []
    if isinstance(value, Mapping):
        for name, item in value.items():
            found += (
                list(all_strings(item)) if is_secret_name(str(name)) else secret_named_values(item)
            )
    elif isinstance(value, list | tuple):
        for item in value:
            found += secret_named_values(item)
    return found


class Redactor:
    """Blanks secrets in text, in JSON-like data and in files."""

    def __init__(self, known: Iterable[str] = ()) -> None:
        values = {str(value) for value in known if len(str(value)) >= MIN_KNOWN_LENGTH}
        # Longest first: a secret that contains another is blanked whole.
        self.known = sorted(values, key=len, reverse=True)

    def text(self, text: str) -> str:
        text = redact_url_userinfo(text)
        for value in self.known:
            text = text.replace(value, REDACTED)
        return text

    def data(self, value: Any) -> Any:
        """A copy of `value` with secret-named entries replaced and every string redacted."""
        if isinstance(value, Mapping):
            return {
                name: REDACTED if is_secret_name(str(name)) and item else self.data(item)
                for name, item in value.items()
            }
        if isinstance(value, list | tuple):
            return [self.data(item) for item in value]
        if isinstance(value, str):
            return self.text(value)
        return value

    def data_in_place(self, value: dict[str, Any]) -> None:
        """Redact a mapping that others hold a reference to (ansible-runner's event dict)."""
        redacted = self.data(value)
        value.clear()
        value.update(redacted)

    def file(self, path: Path) -> None:
        """Rewrite `path` redacted (JSON as JSON); untouched when there was nothing to blank."""
        text = path.read_text(encoding="utf-8", errors="replace")
        try:
            loaded = json.loads(text)
        except ValueError:
            redacted = self.text(text)
        else:
            data = self.data(loaded)
            redacted = text if data == loaded else json.dumps(data, ensure_ascii=False)
        if redacted != text:
            partial = path.with_name(f".{path.name}.redacting")
            partial.touch(mode=0o600)
            partial.write_text(redacted, encoding="utf-8")
            os.replace(partial, path)

    def status_files(self, reports_dir: Path) -> None:
        """Each host's status.json: its reason may quote a failure message with a secret."""
        if reports_dir.is_dir():
            for path in sorted(reports_dir.glob("*/status.json")):
                if path.is_file() and not path.is_symlink():
                    self.file(path)

    def tree(self, root: Path) -> None:
        for path in sorted(root.rglob("*")):
            if path.is_file() and not path.is_symlink():
                self.file(path)


def scrub_command_file(artifact_dir: Path) -> None:
    """Rewrite ansible-runner's `command` record with the secret environment entries redacted.

    The file is rewritten in place (same name, same 0600 mode) so the rest of the record - the
    exact command line and the non-secret environment - still documents how the run was made.
    """
    command_file = artifact_dir / "command"
    record = json.loads(command_file.read_text(encoding="utf-8"))
    record["env"] = redact(record.get("env", {}))
    command_file.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")


def all_strings(value: Any) -> list[str]:
    """Every string in `value` (strings, lists, mappings at any depth)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [text for item in value.values() for text in all_strings(item)]
    if isinstance(value, list | tuple):
        return [text for item in value for text in all_strings(item)]
    return []
