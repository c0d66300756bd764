"""Live per-host progress: one redrawn status line per host on a terminal, plain lines otherwise.

ansible-runner calls the event handler from the thread that waits on ansible-playbook, so the
displays need no locking.
"""

from __future__ import annotations

import shutil
import time
from typing import Protocol, TextIO

from lab.provision.events import HostProgress

_MARKS = {"waiting": "·", "running": "▸", "ok": "✓", "failed": "✗", "unreachable": "✗"}
# Redrawing on every event would flicker and cost CPU on a class of 30 hosts.
_REDRAW_INTERVAL = 0.1


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
    return f"{_MARKS[host.state]} {host.host:<{name_width}}  {counts}  {detail}"


class LiveProgress:
    """Keeps one line per host at the bottom of the terminal and redraws them in place."""

    def __init__(self, stream: TextIO, hosts: list[HostProgress]) -> None:
        self.stream = stream
        self.hosts = {host.host: host for host in hosts}
        self.width = max((len(name) for name in self.hosts), default=0)
        self.drawn = 0
        self.last_draw = 0.0
        self._draw()

    def update(self, host: HostProgress) -> None:
        self.hosts[host.host] = host
        self.width = max(self.width, len(host.host))
        if time.monotonic() - self.last_draw >= _REDRAW_INTERVAL or host.state != "running":
            self._draw()

    def finish(self) -> None:
        self._draw()

    def _draw(self) -> None:
        columns = shutil.get_terminal_size().columns
        # Cursor up to the first host line, then rewrite each line cleared (ESC[2K).
        out = f"\x1b[{self.drawn}F" if self.drawn else ""
        for host in self.hosts.values():
            out += "\x1b[2K" + status_line(host, self.width)[: columns - 1] + "\n"
        self.stream.write(out)
        self.stream.flush()
        self.drawn = len(self.hosts)
        self.last_draw = time.monotonic()


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
