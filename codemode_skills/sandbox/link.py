"""``WorkerLink``: the host's end of one worker's socket, as an asyncio protocol.

It splits the byte stream into lines and hands each to the current handler, directly
from ``data_received``: no stream reader, no future per line. A line over the size cap,
or any line while no handler is attached, ends the link.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

READY_LINE = b'{"op": "ready"}'


class LineTooLong(Exception):
    """The worker sent a line longer than the cap."""


class WorkerLink(asyncio.Protocol):
    def __init__(self, max_line: int) -> None:
        self.max_line = max_line
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.ready: asyncio.Future[bool] = asyncio.get_event_loop().create_future()
        #: Called with each complete line (without the newline).
        self.handler: Callable[[bytes], None] | None = None
        #: Called once when the link ends: None for EOF, else the reason.
        self.on_close: Callable[[Exception | None], None] | None = None
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        buf = self.buffer
        buf += data
        start = 0
        while not self.closed:
            end = buf.find(b"\n", start)
            if end < 0:
                break
            line = bytes(buf[start:end])
            start = end + 1
            if self.handler is not None:
                self.handler(line)
            elif line == READY_LINE and not self.ready.done():
                self.ready.set_result(True)
            else:
                self.fail(Exception("a worker spoke out of turn"))
        if start:
            del buf[:start]
        if len(buf) > self.max_line and not self.closed:
            self.fail(LineTooLong(f"a message over {self.max_line} bytes"))

    def write(self, data: bytes) -> None:
        if self.transport is not None and not self.closed:
            self.transport.write(data)

    def fail(self, exc: Exception) -> None:
        """End the link because of ``exc`` (the worker is killed by its owner)."""
        self._end(exc)
        if self.transport is not None:
            self.transport.abort()

    def close(self) -> None:
        self._end(None)
        if self.transport is not None:
            self.transport.abort()

    def connection_lost(self, exc: Any) -> None:
        self._end(None)

    def eof_received(self) -> bool:
        self._end(None)
        return False

    def _end(self, exc: Exception | None) -> None:
        if self.closed:
            return
        self.closed = True
        if not self.ready.done():
            self.ready.set_result(False)
        callback, self.on_close = self.on_close, None
        if callback is not None:
            callback(exc)
