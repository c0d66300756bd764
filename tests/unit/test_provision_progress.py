"""`nslab provision`'s progress for a class of 30: 30 hosts' event streams replayed.

On an 80x24 terminal the live panel must fit the screen at every moment, every failure must be
shown once with its reason, and nothing may pile up in the scrollback; without a terminal the
display is plain lines. The tmux test runs the display on a real terminal and reads the screen
and the whole scrollback back from tmux.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from progress_replay import (
    DONE_MARKER,
    FAILED_MESSAGE,
    TASKS,
    UNREACHABLE_MESSAGE,
    class_events,
    fate,
    host_names,
    replay,
)
from rich.console import Console

from lab.provision.events import EventTracker
from lab.provision.progress import LiveProgress

HOSTS = 30
# A failure is named by its task; an unreachable host by the connection's message alone, as the
# playbook's own record words it (lab.summary.outcome.failure_reason).
FAILED_TASK = TASKS[fate(3)[1]]
REPLAY = Path(__file__).with_name("progress_replay.py")


def expected_ends() -> dict[str, str]:
    return {name: fate(index)[0] for index, name in enumerate(host_names(HOSTS))}


def test_the_live_panel_fits_an_80x24_terminal_at_every_event() -> None:
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=80, height=24, color_system=None)
    tracker = EventTracker(host_names(HOSTS))
    display = LiveProgress(screen, list(tracker.hosts.values()), console=console)
    most_running, cut = 0, False
    for item in class_events(HOSTS):
        changed = tracker.handle(item)
        if changed is None:
            continue
        display.update(changed)
        lines = console.render_lines(display.panel(), console.options, pad=False)
        assert len(lines) <= 24 - 1, "the panel must leave the screen's last line free"
        assert all(sum(len(segment.text) for segment in line) <= 80 for line in lines)
        counts = lines[0]
        assert "".join(segment.text for segment in counts).startswith(f"{HOSTS} hosts: ")
        running = sum(host.state == "running" for host in tracker.hosts.values())
        most_running = max(most_running, running)
        last = "".join(segment.text for segment in lines[-1])
        cut |= last.startswith("  ... and ") and last.endswith(" more running")
    display.finish()
    assert most_running > 24, "the replay must have more hosts at work than the screen has lines"
    assert cut


def test_plain_lines_without_a_terminal() -> None:
    log = io.StringIO()
    tracker = replay(HOSTS, log)
    text = log.getvalue()
    assert "\x1b" not in text
    lines = text.splitlines()
    for name, end in expected_ends().items():
        if end == "ok":
            assert sum(line.startswith(f"✓ {name} ") for line in lines) == 1
        else:
            reason = f"{FAILED_TASK}: {FAILED_MESSAGE}" if end == "failed" else UNREACHABLE_MESSAGE
            (failure,) = [line for line in lines if line.startswith(f"✗ {name} ")]
            assert failure.endswith(f"{end.upper()} {reason}")
    assert {name: outcome.status for name, outcome in tracker.outcomes().items()} == expected_ends()


def test_in_tmux_at_80x24(tmp_path: Path) -> None:
    socket = f"nslab-test-progress-{os.getpid()}"
    tmux = ["tmux", "-L", socket, "-f", "/dev/null"]
    command = f"{sys.executable} {REPLAY} {HOSTS} 0.01; sleep 60"
    subprocess.run(
        [*tmux, "new-session", "-d", "-x", "80", "-y", "24", "-s", "replay", command],
        check=True,
        env={**os.environ, "TERM": "xterm-256color"},
    )
    try:
        screens = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            screen = capture(tmux)
            screens.append(screen)
            if DONE_MARKER in screen:
                break
            time.sleep(0.2)
        else:
            pytest.fail("the replay did not finish:\n" + screens[-1])
        history = capture(tmux, "-J", "-S", "-")  # -J: a wrapped line read back whole
    finally:
        subprocess.run([*tmux, "kill-server"], check=False)

    for screen in screens:
        lines = screen.splitlines()
        assert len(lines) <= 24
        assert sum(line.startswith(f"{HOSTS} hosts:") for line in lines) <= 1, screen
        for name in host_names(HOSTS):
            assert sum(name in line for line in lines) <= 1, f"{name} twice on one screen"
    assert any("▸" in screen for screen in screens), "the panel showed hosts at work"

    history_lines = history.splitlines()
    ends = expected_ends()
    for name, end in ends.items():
        shown = [line for line in history_lines if name in line]
        if end == "ok":
            assert shown == [], f"{name} left lines in the scrollback: {shown}"
        else:
            (line,) = shown
            message = FAILED_MESSAGE if end == "failed" else UNREACHABLE_MESSAGE
            assert line.startswith(f"✗ {name}") and end.upper() in line
            assert line.endswith(message), line
    final = next(line for line in history_lines if line.startswith(f"{HOSTS} hosts:"))
    assert final == f"{HOSTS} hosts: ✓ 24 ok  ✗ 3 failed  ✗ 3 unreachable"
    (tmp_path / "scrollback.txt").write_text(history)


def capture(tmux: list[str], *extra: str) -> str:
    return subprocess.run(
        [*tmux, "capture-pane", "-p", "-t", "replay", *extra],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.rstrip("\n")
