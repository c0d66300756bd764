"""Text that came from a lab host, made safe for where the controller shows it.

A host is not trusted: a student is root there, and whatever it sends back (its report, its
failure messages, the names in its facts) may be made to attack the instructor who reads it.
HTML is escaped where it is written (html.escape in lab.summary.render and lab.report.html);
the other two places text lands are here, and so is the one rule for host names (which the
playbooks' preflight applies through `python3 -m lab.untrusted --host-names NAME...`).
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata

# OWASP "CSV Injection": a cell starting with one of these is a formula (or becomes one) in
# Excel, LibreOffice and Google Sheets; a leading ' makes it text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# ESC/CSI sequences first (so their parameters go with them), then every other control
# character (C0 except newline and tab, DEL, C1): they move the cursor, retitle the window,
# hide text or ring the bell on the instructor's terminal.
_ESCAPE_SEQUENCE = re.compile(
    r"(\x1b\[|\x9b)[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)?|\x1b.?"
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def for_spreadsheet(cell: str) -> str:
    """The cell as text that no spreadsheet evaluates."""
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def for_terminal(text: str) -> str:
    """The text without terminal control: escape sequences and control characters removed."""
    return _CONTROL.sub("", _ESCAPE_SEQUENCE.sub("", text))


def host_name_problem(name: str) -> str | None:
    """Why `name` cannot name a folder under reports/ (None: it can)."""
    if name in ("", ".", ".."):
        return "is empty or a directory reference"
    if "/" in name or "\\" in name:
        return "contains a slash"
    if name.startswith("."):
        return "starts with a dot"
    if ".." in name:
        return "contains '..'"
    if any(unicodedata.category(char) == "Cc" for char in name):
        return "contains a control character"
    return None


def _check_host_names(names: list[str]) -> int:
    """Preflight's check: exit 1 with one line naming the first unusable name and what to do."""
    for name in names:
        if host_name_problem(name):
            print(
                f"The inventory host name {json.dumps(name)} cannot name a folder under reports/ "
                "(no '/', '\\', '..', leading '.' or control characters): rename it in the "
                "inventory (keep the address in ansible_host). Nothing was changed.",
                file=sys.stderr,
            )
            return 1
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] != ["--host-names"]:
        sys.exit("usage: python3 -m lab.untrusted --host-names NAME...")
    sys.exit(_check_host_names(sys.argv[2:]))
