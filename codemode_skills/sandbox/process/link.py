"""``WorkerLink``: the host's end of one worker's socket.

A non-blocking socket driven by the event loop's reader callback. It splits the stream
into lines and hands each to the current handler directly: no stream reader, no future
per line. A line over the size cap, or any line while no handler is attached, ends the
link.

While a run is under way it may *poll briefly* (``spin_s``) for the worker's next line
before returning to the event loop, but only when nothing else is ready to run on the
loop and the machine has more than one CPU: a tool call that answers in tens of
microseconds then costs no sleep and wake-up on either side.
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
from collections.abc import Callable

from ..jail.protocol import WORKER_READY, YIELD_EVERY_S

#: The longest one ``spin`` may keep the event loop, however chatty the worker: a
#: worker that never stops sending must not starve the loop (F15).
SPIN_MAX_S = 0.002
#: Reads per readable callback before the loop gets control back (the reader stays
#: registered, so the rest is read on the next round).
READS_PER_CALLBACK = 4
#: Bytes per read: a program's result (up to 1 MB by default) comes in a few reads.
_RECV = 262144


class LineTooLong(Exception):
    """The worker sent a line longer than the cap, or more bytes in all than a run may."""


class WorkerLink:
    def __init__(
        self,
        sock: socket.socket,
        max_line: int,
        spin_s: float = 0.0,
        max_total: int | None = None,
    ) -> None:
        self.sock = sock
        self.max_line = max_line
        #: Bytes the worker may send over its whole life (every line is parsed on the
        #: host's loop, so this bounds the loop time one run can cost). By default four
        #: of the largest lines: a run's logs, calls and result share it.
        self.max_total = max_total if max_total is not None else 4 * max_line
        self.received = 0
        self.spin_s = spin_s
        self.loop = asyncio.get_running_loop()
        self.buffer = bytearray()
        self._out = bytearray()
        self.ready: asyncio.Future[bool] = self.loop.create_future()
        #: Called with each complete line (without the newline).
        self.handler: Callable[[bytes], None] | None = None
        #: Called once when the link ends: None for EOF, else the reason.
        self.on_close: Callable[[Exception | None], None] | None = None
        self.closed = False
        sock.setblocking(False)
        self._fd = sock.fileno()
        self.loop.add_reader(self._fd, self._on_readable)

    # -- reading ------------------------------------------------------------------------
    def _on_readable(self) -> None:
        if self._pump():
            self.spin()

    def _pump(self) -> bool:
        """Read and dispatch what is available now, up to ``READS_PER_CALLBACK`` reads;
        True if anything came."""
        got = False
        for _ in range(READS_PER_CALLBACK):
            if self.closed:
                break
            try:
                data = self.sock.recv(_RECV)
            except (BlockingIOError, InterruptedError):
                return got
            except OSError:
                self._end(None)
                return got
            if not data:
                self._end(None)
                return got
            got = True
            self.received += len(data)
            if self.received > self.max_total:
                self.fail(LineTooLong(f"more than {self.max_total} bytes in one run"))
                return got
            self._feed(data)
        return got

    def spin(self, budget_s: float | None = None, yield_cpu: bool = False) -> None:
        """Poll for the next line for up to ``budget_s`` (see the module docstring).

        ``yield_cpu`` gives the CPU away between polls: right after a program is sent, the
        worker is often woken on this very CPU and would otherwise wait for us to stop.
        """
        budget = self.spin_s if budget_s is None else budget_s
        if not budget or self.handler is None:
            return
        ready = getattr(self.loop, "_ready", None)
        if ready is None:
            return
        clock = time.perf_counter
        now = clock()
        deadline, next_yield = now + budget, now + YIELD_EVERY_S
        hard_stop = now + max(budget, SPIN_MAX_S)
        while not self.closed and self.handler is not None and not ready:
            if self._pump():
                # another message may follow at once; but never past the hard stop
                now = clock()
                if now > hard_stop:
                    return
                deadline = min(now + self.spin_s, hard_stop)
                continue
            now = clock()
            if now > deadline:
                return
            if yield_cpu or now > next_yield:
                # the worker may have been woken on this very CPU: let it run
                os.sched_yield()
                next_yield = now + YIELD_EVERY_S

    def _feed(self, data: bytes) -> None:
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
                try:
                    self.handler(line)
                except Exception as exc:  # whatever a line did, the link ends with it
                    self.fail(exc)
                    break
            elif line == WORKER_READY and not self.ready.done():
                self.ready.set_result(True)
            else:
                self.fail(Exception("a worker spoke out of turn"))
        if start:
            del buf[:start]
        if len(buf) > self.max_line and not self.closed:
            self.fail(LineTooLong(f"a message over {self.max_line} bytes"))

    # -- writing ------------------------------------------------------------------------
    def write(self, data: bytes) -> None:
        if self.closed:
            return
        if self._out:
            self._out += data
            return
        try:
            sent = self.sock.send(data)
        except (BlockingIOError, InterruptedError):
            sent = 0
        except OSError:
            self._end(None)
            return
        if sent < len(data):
            self._out += data[sent:]
            self.loop.add_writer(self._fd, self._on_writable)

    def _on_writable(self) -> None:
        try:
            sent = self.sock.send(self._out)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self._end(None)
            return
        del self._out[:sent]
        if not self._out:
            self.loop.remove_writer(self._fd)

    # -- ending -------------------------------------------------------------------------
    def fail(self, exc: Exception) -> None:
        """End the link because of ``exc`` (the worker is killed by its owner)."""
        self._end(exc)

    def close(self) -> None:
        self._end(None)

    def _end(self, exc: Exception | None) -> None:
        if self.closed:
            return
        self.closed = True
        self.loop.remove_reader(self._fd)
        if self._out:
            self.loop.remove_writer(self._fd)
        self.sock.close()
        if not self.ready.done():
            self.ready.set_result(False)
        callback, self.on_close = self.on_close, None
        if callback is not None:
            callback(exc)
