"""Debian's chromium, headless, as the page tests drive it: DOM dumps, screenshots, and measuring
a page from a script in a frame around it (file pages may then read each other)."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import struct
import subprocess
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed (tests/run installs it)"
)
# NSLAB_REGEN_SCREENSHOTS=1 copies the screenshots the tests take into docs/.
DOCS = Path(__file__).resolve().parents[2] / "docs"
REGENERATE = os.environ.get("NSLAB_REGEN_SCREENSHOTS") == "1"


def chromium(profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        f"--user-data-dir={profile / 'profile'}",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)


def dump_dom(profile: Path, page: Path) -> str:
    return chromium(profile, "--dump-dom", page.as_uri()).stdout


def screenshot(
    profile: Path, page: Path, width: int, height: int, shot: Path, anchor: str = ""
) -> tuple[int, int]:
    """Takes the screenshot (from `anchor` down, if given) and returns the PNG's size in pixels."""
    target = page
    if anchor:
        # Headless chromium shoots before it scrolls to a fragment; a frame opens there at once.
        target = page.with_name(f".shot-{anchor}.html")
        target.write_text(
            f'<!DOCTYPE html><html><body style="margin:0;overflow:hidden">'
            f'<iframe src="{html.escape(page.name)}#{anchor}" '
            f'style="width:{width}px;height:{height}px;border:0"></iframe></body></html>',
            encoding="utf-8",
        )
    chromium(
        profile, "--virtual-time-budget=3000", f"--window-size={width},{height}",
        f"--screenshot={shot}", target.as_uri(),
    )  # fmt: skip
    if anchor:
        target.unlink()
    header = shot.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", header[16:24])


def keep_in_docs(shot: Path, name: str) -> None:
    if REGENERATE:
        shutil.copyfile(shot, DOCS / name)


def measure(profile: Path, page: Path, width: int, script: str) -> Any:
    """Load `page` in a frame `width` px wide, run `script` (a function body over `doc`, the page's
    document) once it has loaded, and return what it returns (through JSON)."""
    frame = page.with_name(f".frame-{width}.html")
    frame.write_text(
        f"""<!DOCTYPE html><html><body style="margin:0">
<iframe id="page" src="{html.escape(page.name)}" style="width:{width}px;height:900px;border:0">
</iframe>
<pre id="out"></pre>
<script>
document.getElementById("page").addEventListener("load", function () {{
  var doc = this.contentDocument;
  var result = (function (doc) {{ {script} }})(doc);
  document.getElementById("out").textContent = JSON.stringify(result);
}});
</script></body></html>""",
        encoding="utf-8",
    )
    dom = chromium(
        profile, "--allow-file-access-from-files", "--virtual-time-budget=5000", "--dump-dom",
        frame.as_uri(),
    ).stdout  # fmt: skip
    frame.unlink()
    found = re.search(r'<pre id="out">(.*?)</pre>', dom, re.S)
    assert found and found.group(1), f"the page did not load in the frame: {dom[-500:]}"
    return json.loads(html.unescape(found.group(1)))
