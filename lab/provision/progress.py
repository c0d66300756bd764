"""Per-host progress of a run: a live panel on a terminal, plain lines otherwise.

On a terminal (rich's Live display) the panel never outgrows the screen, whatever the class
size: one line of counts per state, then as many of the hosts still working as fit, then how
many more. Each failure is printed once, with its reason, above the panel, so it stays in the
scrollback; the panel itself is erased at the end and replaced by the final counts.

ansible-runner calls the event handler from the thread that waits on ansible-playbook, and the
panel is redrawn from that thread only (no refresh thread), so the displays need no locking.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Protocol, TextIO

from rich.console import Console, Group
from rich.live import Live
from rich.text import Text

from lab.provision.events import HostProgress
from lab.untrusted import for_terminal

_MARKS = {"waiting": "·", "running": "▸", "ok": "✓", "failed": "✗", "unreachable": "✗"}
_STATES = ("ok", "running", "waiting", "failed", "unreachable")
# Redrawing on every event would flicker and cost CPU on a class of 30 hosts.
_REDRAW_INTERVAL = 0.1
# The counts line, the "more" line, and the line the cursor rests on.
_PANEL_FRAME = 3


class ProgressDisplay(Protocol):
    def update(self, host: HostProgress) -> None: ...

    def finish(self) -> None: ...


def status_line(host: HostProgress, name_width: int) -> str:
    counts = f"{host.ok:3d} ok {host.changed:3d} changed"
    if host.state in ("failed", "unreachable"):
        detail = f"{host.state.upper()} {host.reason}"
    elif host.state == "ok":
        detail = "done"
    else:
        detail = host.task
    # A task name or failure message can carry a host's output: no terminal control from it.
    return for_terminal(f"{_MARKS[host.state]} {host.host:<{name_width}}  {counts}  {detail}")


def counts_line(hosts: list[HostProgress]) -> str:
    counts = Counter(host.state for host in hosts)
    parts = [f"{_MARKS[state]} {counts[state]} {state}" for state in _STATES if counts[state]]
    return f"{len(hosts)} hosts: " + "  ".join(parts)


class LiveProgress:
    """The live panel: counts, the running hosts that fit, failures printed above it."""

    def __init__(self, stream: TextIO, hosts: list[HostProgress], console: Console | None = None):
        self.hosts = {host.host: host for host in hosts}
        self.width = max((len(name) for name in self.hosts), default=0)
        self.console = console or Console(file=stream, highlight=False, emoji=False)
        self.reported: set[str] = set()
        self.last_draw = 0.0
        self.live = Live(
            console=self.console,
            get_renderable=self.panel,
            auto_refresh=False,
            transient=True,
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self.live.start(refresh=True)

    def update(self, host: HostProgress) -> None:
        self.hosts[host.host] = host
        self.width = max(self.width, len(host.host))
        if host.state in ("failed", "unreachable") and host.host not in self.reported:
            self._report(host)
        if time.monotonic() - self.last_draw >= _REDRAW_INTERVAL or host.state != "running":
            self._draw()

    def finish(self) -> None:
        """Report failures only the closing stats revealed, then leave the final counts."""
        for host in self.hosts.values():
            if host.state in ("failed", "unreachable") and host.host not in self.reported:
                self._report(host)
        self.live.stop()
        self.console.print(self._line(counts_line(list(self.hosts.values()))))

    def panel(self) -> Group:
        hosts = list(self.hosts.values())
        running = [host for host in hosts if host.state == "running"]
        room = max(1, self.console.size.height - _PANEL_FRAME)
        shown = running[:room]
        lines = [self._line(counts_line(hosts))]
        lines += [self._line(status_line(host, self.width)) for host in shown]
        if len(running) > len(shown):
            lines.append(self._line(f"  ... and {len(running) - len(shown)} more running"))
        return Group(*lines)

    def _report(self, host: HostProgress) -> None:
        self.reported.add(host.host)
        # The whole reason, left to the terminal to wrap: it stays in the scrollback.
        self.live.console.print(Text(status_line(host, self.width)), soft_wrap=True)

    def _draw(self) -> None:
        self.live.refresh()
        self.last_draw = time.monotonic()

    @staticmethod
    def _line(text: str) -> Text:
        return Text(text, no_wrap=True, overflow="ellipsis")


class PlainProgress:
    """For logs and pipes: a line when a host starts a task or ends, nothing redrawn."""

    def __init__(self, stream: TextIO, hosts: list[HostProgress]) -> None:
        self.stream = stream
        self.hosts = hosts
        self.width = max((len(host.host) for host in hosts), default=0)
        self.last_seen: dict[str, tuple[str, str]] = {}

    def update(self, host: HostProgress) -> None:
        seen = (host.state, host.task)
        if self.last_seen.get(host.host) == seen:
            return
        self.last_seen[host.host] = seen
        self.width = max(self.width, len(host.host))
        self.stream.write(status_line(host, self.width) + "\n")
        self.stream.flush()

    def finish(self) -> None:
        """Say how each host ended (the final states come from the run's closing stats)."""
        for host in self.hosts:
            self.update(host)


def progress_for(stream: TextIO, hosts: list[HostProgress]) -> ProgressDisplay:
    if stream.isatty():
        return LiveProgress(stream, hosts)
    return PlainProgress(stream, hosts)
