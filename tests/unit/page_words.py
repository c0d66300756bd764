"""What a reader sees on a page, as words: used to find English left on a Japanese page."""

from __future__ import annotations

import re
from collections.abc import Iterable
from html.parser import HTMLParser

# Words a Japanese page keeps in Latin letters on purpose: product names, kernel and Docker
# terms a student types or reads in `ls -l /proc/PID/ns`, units.
TECHNICAL_TERMS = frozenset(
    {
        "nslab",
        "Docker",
        "Engine",
        "API",
        "SDK",
        "Python",
        "Linux",
        "PID",
        "ID",
        "OS",
        "MAC",
        "IPC",
        "inode",
        "init",
        "root",
        "cgroup",
        "cgroupns",
        "userns-remap",
        "rootless",
        "time-namespaces",
        "mount",
        "network",
        "private",
        "docker",
        "run",
        "sleep",
        "infinity",
        "container1",
        "container2",
        "c1",
        "c2",
    }
)

# Command-line flags, paths and `code` are quoted as typed, in any language.
_QUOTED = re.compile(r"`[^`]*`|--[\w-]+(?:=[\w:<>…=-]+)?|(?<![\w])/[\w/.]+")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_.+-]*")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible_text(page: str) -> str:
    parser = _Text()
    parser.feed(page)
    return " ".join(parser.parts)


def words(text: str) -> set[str]:
    return {w.rstrip(".-+") for w in _WORD.findall(_QUOTED.sub(" ", text))}


def untranslated(text: str, data_values: Iterable[str]) -> set[str]:
    """Latin-letter words in `text` that are neither data shown as it is nor technical terms."""
    allowed = set(TECHNICAL_TERMS)
    for value in data_values:
        allowed |= words(value) | set(_WORD.findall(value))
    return {w for w in words(text) if w not in allowed and not re.fullmatch(r"v\d+", w)}
