"""A test double of Docker Engine 29's API version gate, in front of the real (older) dockerd.

Engine 29 refuses Engine API versions below 1.44. The stand-in engine here is 20.10 (API 1.41),
so it cannot show whether a client pins an old version. This proxy can: on a unix socket it
answers `/_ping` and `/version` as Engine 29 does, refuses `/v1.0`..`/v1.43` paths with Docker's
own message, and forwards everything else to the real dockerd with the version prefix rewritten
to one the real engine speaks. Clients that negotiate (the Docker CLI, the SDK by default) pick
1.52 from `/_ping` and work; clients with a pinned old version fail exactly as they would on a
real Engine 29.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

GATE_API_VERSION = "1.52"
GATE_MIN_API_VERSION = "1.44"
GATE_ENGINE_VERSION = "29.0.0"
REAL_API_VERSION = "1.41"  # what Debian 12's docker.io (20.10) speaks

_VERSIONED_PATH = re.compile(rb"^/v(\d+)\.(\d+)(/.*)$")


@dataclass(frozen=True)
class GateAddress:
    socket_path: Path

    @property
    def docker_host(self) -> str:
        return f"unix://{self.socket_path}"


def too_old_message(client_version: str) -> str:
    return (
        f"client version {client_version} is too old. Minimum supported API version is "
        f"{GATE_MIN_API_VERSION}, please upgrade your client to a newer version"
    )


def rewrite_target(target: bytes) -> tuple[bytes | None, str | None]:
    """Map a request target to (target for the real engine, None) or (None, refused version)."""
    match = _VERSIONED_PATH.match(target)
    if not match:
        return target, None
    major, minor, rest = int(match[1]), int(match[2]), match[3]
    if (major, minor) < _as_tuple(GATE_MIN_API_VERSION):
        return None, f"{major}.{minor}"
    return b"/v" + REAL_API_VERSION.encode() + rest, None


def _as_tuple(version: str) -> tuple[int, int]:
    major, minor = version.split(".")
    return int(major), int(minor)


def _response(status: str, body: bytes, content_type: str, extra: str = "") -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\n"
        f"Api-Version: {GATE_API_VERSION}\r\n"
        f"Server: Docker/{GATE_ENGINE_VERSION} (linux)\r\n"
        "Ostype: linux\r\n"
        f"Content-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\n"
        f"{extra}"
        "Connection: close\r\n\r\n"
    )
    return head.encode() + body


def _version_body() -> bytes:
    uname = os.uname()
    return json.dumps(
        {
            "Platform": {"Name": "Docker Engine - Community"},
            "Version": GATE_ENGINE_VERSION,
            "ApiVersion": GATE_API_VERSION,
            "MinAPIVersion": GATE_MIN_API_VERSION,
            "Os": "linux",
            "Arch": "amd64",
            "KernelVersion": uname.release,
            "Components": [
                {
                    "Name": "Engine",
                    "Version": GATE_ENGINE_VERSION,
                    "Details": {
                        "ApiVersion": GATE_API_VERSION,
                        "MinAPIVersion": GATE_MIN_API_VERSION,
                    },
                }
            ],
        }
    ).encode()


class _Gate:
    def __init__(self, listen: Path, upstream: Path) -> None:
        self.listen = listen
        self.upstream = upstream

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            writer.close()
            return
        request_line, _, headers = head.partition(b"\r\n")
        method, target, protocol = request_line.split(b" ", 2)
        path = target.split(b"?", 1)[0]
        unversioned = _VERSIONED_PATH.sub(rb"\3", path)
        forwarded, refused = rewrite_target(target)
        if refused is not None:
            body = json.dumps({"message": too_old_message(refused)}).encode()
            writer.write(_response("400 Bad Request", body, "application/json"))
        elif unversioned == b"/_ping":
            writer.write(_response("200 OK", b"OK", "text/plain; charset=utf-8"))
        elif unversioned == b"/version":
            writer.write(_response("200 OK", _version_body(), "application/json"))
        else:
            await self._forward(method, forwarded or target, protocol, headers, reader, writer)
            return
        await writer.drain()
        writer.close()

    async def _forward(
        self,
        method: bytes,
        target: bytes,
        protocol: bytes,
        headers: bytes,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        # One request per connection (Connection: close), unless the client upgrades the
        # connection (exec/attach): then both sides are piped raw until either closes.
        if b"\r\nupgrade:" not in b"\r\n" + headers.lower():
            kept = [
                line
                for line in headers.split(b"\r\n")
                if line and not line.lower().startswith(b"connection:")
            ]
            headers = b"\r\n".join([*kept, b"Connection: close", b"", b""])
        up_reader, up_writer = await asyncio.open_unix_connection(str(self.upstream))
        up_writer.write(b" ".join((method, target, protocol)) + b"\r\n" + headers)
        try:
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        finally:
            up_writer.close()
            writer.close()

    async def serve(self, ready: threading.Event, stop: asyncio.Event) -> None:
        server = await asyncio.start_unix_server(self.handle, path=str(self.listen))
        ready.set()
        async with server:
            await stop.wait()
        # Connections still open when the gate stops are ended here, inside the loop.
        pending = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)


async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    try:
        while chunk := await source.read(65536):
            sink.write(chunk)
            await sink.drain()
    except ConnectionError:
        pass
    finally:
        # Half-close so the other side sees the end of this direction; the other direction
        # may still be answering.
        if not sink.is_closing() and sink.can_write_eof():
            try:
                sink.write_eof()
            except OSError:
                sink.close()


@contextmanager
def engine29_gate(
    socket_path: Path, upstream: Path = Path("/var/run/docker.sock")
) -> Iterator[GateAddress]:
    """Serve the gate on `socket_path` in a background thread for the duration of the block."""
    gate = _Gate(socket_path, upstream)
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    ready = threading.Event()
    thread = threading.Thread(
        target=loop.run_until_complete, args=(gate.serve(ready, stop),), daemon=True
    )
    thread.start()
    if not ready.wait(10):
        raise RuntimeError(f"the Engine 29 gate did not start on {socket_path}")
    try:
        yield GateAddress(socket_path)
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(10)
        loop.close()
        socket_path.unlink(missing_ok=True)
