"""The template process and its pool of ready workers (host side).

The template is started once with ``python -I`` and an empty environment and forks
single-use workers on request. A new worker's socket and pidfd arrive over the control
channel (SCM_RIGHTS); the pool wraps the socket in a ``WorkerLink`` and waits for the
worker's warm-up to finish before handing it out, so none of that is on the request path.
"""

from __future__ import annotations

import array
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
from collections import deque
from typing import Any

from ..errors import SandboxError
from . import wire
from .bwrap import PACKAGE_ROOT, bwrap_prefix
from .link import WorkerLink
from .template import BOOT

#: The (memory MB, CPU s) workers are forked with until a request needs more.
DEFAULT_PRESET = (256, 31)
#: Workers that fail to come up in a row before the pool stops trying and says why.
MAX_CONSECUTIVE_FAILURES = 3


class Worker:
    """One single-use worker: its pid, a pidfd to kill it by, and its socket link."""

    def __init__(self, pid: int, pidfd: int, link: WorkerLink, preset: tuple[int, int]) -> None:
        self.pid = pid
        self.pidfd = pidfd
        self.link = link
        #: (memory MB, CPU s) the worker set at fork; it can lower them, never raise them
        self.preset = preset

    def fits(self, need: tuple[int, int]) -> bool:
        return need[0] <= self.preset[0] and need[1] <= self.preset[1]

    def kill(self) -> None:
        if self.pidfd < 0:
            return
        try:
            signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)
        except OSError:
            pass

    def close(self) -> None:
        self.kill()
        self.link.close()
        if self.pidfd >= 0:
            os.close(self.pidfd)
            self.pidfd = -1


class WorkerPool:
    """Owns the template process; keeps ``size`` warmed-up workers ready."""

    def __init__(
        self,
        *,
        size: int,
        layers: dict[str, bool],
        restricted: bool,
        bwrap: bool | str,
        start_timeout_s: float,
        max_line: int,
        spin_s: float = 0.0,
    ) -> None:
        self.size = size
        self.layers = layers
        self.restricted = restricted
        self.bwrap = bwrap
        self.start_timeout_s = start_timeout_s
        self.max_line = max_line
        self.spin_s = spin_s
        self.report: dict[str, Any] = {}
        #: The limits new workers are forked with: the largest any request has needed.
        self.hint: tuple[int, int] = DEFAULT_PRESET
        self._proc: subprocess.Popen[bytes] | None = None
        self._ctrl: socket.socket | None = None
        self._idle: deque[Worker] = deque()
        self._waiters: deque[asyncio.Future[Worker]] = deque()
        self._outstanding = 0
        self._failures = 0
        self._broken: SandboxError | None = None
        self._ready: asyncio.Future[dict[str, Any]] | None = None
        self._exits: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._preparing: set[asyncio.Task[None]] = set()
        self._stderr_tail = b""

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None and self._ctrl is not None

    # -- the template ---------------------------------------------------------------------
    async def launch(self) -> dict[str, Any]:
        """Start the template and wait for its isolation report."""
        loop = asyncio.get_running_loop()
        host_end, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        config = json.dumps(
            {"ctrl_fd": child_end.fileno(), "layers": self.layers, "restricted": self.restricted}
        )
        try:
            command = [sys.executable, "-I", "-c", BOOT, PACKAGE_ROOT, config]
            if self.bwrap:
                command = bwrap_prefix(self.bwrap) + command
            self._proc = subprocess.Popen(  # noqa: ASYNC220 - a quick fork+exec, once
                command, env={}, pass_fds=(child_end.fileno(),), stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd="/",
            )  # fmt: skip
        finally:
            child_end.close()
        host_end.setblocking(False)
        self._ctrl = host_end
        self._broken, self._failures, self._outstanding = None, 0, 0
        self._ready = loop.create_future()
        loop.add_reader(host_end.fileno(), self._on_control)
        assert self._proc.stderr is not None
        os.set_blocking(self._proc.stderr.fileno(), False)
        loop.add_reader(self._proc.stderr.fileno(), self._on_stderr)
        try:
            self.report = await asyncio.wait_for(asyncio.shield(self._ready), self.start_timeout_s)
        except (asyncio.TimeoutError, SandboxError) as exc:
            tail = self.stderr_tail()
            self.shutdown()
            raise SandboxError(f"the sandbox template did not start: {exc}\n{tail}") from None
        return self.report

    def stderr_tail(self) -> str:
        return self._stderr_tail.decode("utf-8", "replace")[-2000:]

    def shutdown(self, reason: str = "the sandbox was closed") -> None:
        loop = asyncio.get_event_loop()
        if self._ctrl is not None:
            loop.remove_reader(self._ctrl.fileno())
            self._ctrl.close()
            self._ctrl = None
        while self._idle:
            self._idle.popleft().close()
        self._fail_waiters(SandboxError(reason))
        if self._proc is not None:
            if self._proc.stderr is not None:
                loop.remove_reader(self._proc.stderr.fileno())
                self._proc.stderr.close()
            if self._proc.poll() is None:
                self._proc.kill()
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
            self._proc = None
        if self._ready is not None and not self._ready.done():
            self._ready.set_exception(SandboxError("the sandbox template exited"))
            self._ready.exception()  # retrieved: launch() reports it

    def _on_stderr(self) -> None:
        assert self._proc is not None and self._proc.stderr is not None
        try:
            data = os.read(self._proc.stderr.fileno(), 65536)
        except BlockingIOError:
            return
        if not data:
            asyncio.get_event_loop().remove_reader(self._proc.stderr.fileno())
        self._stderr_tail = (self._stderr_tail + data)[-8192:]

    def _on_control(self) -> None:
        assert self._ctrl is not None
        try:
            data, ancdata, _, _ = self._ctrl.recvmsg(65536, socket.CMSG_SPACE(8))
        except BlockingIOError:
            return
        except OSError:
            data, ancdata = b"", []
        fds: list[int] = []
        for level, kind, payload in ancdata:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                arr = array.array("i")
                arr.frombytes(payload[: len(payload) - len(payload) % arr.itemsize])
                fds.extend(arr)
        if not data:
            for fd in fds:
                os.close(fd)
            self.shutdown(f"the sandbox template exited\n{self.stderr_tail()}")
            return
        try:
            message = wire.decode(data)
        except wire.WireError:
            message = {"op": "?"}
        op = message.get("op")
        preset = message.get("preset")
        if (
            op == "worker"
            and len(fds) == 2
            and isinstance(message.get("pid"), int)
            and isinstance(preset, list)
            and len(preset) == 2
            and all(isinstance(v, int) for v in preset)
        ):
            task = asyncio.get_event_loop().create_task(
                self._prepare(message["pid"], socket.socket(fileno=fds[0]), fds[1], tuple(preset))
            )
            self._preparing.add(task)
            task.add_done_callback(self._preparing.discard)
            return
        for fd in fds:
            os.close(fd)
        if op == "ready" and self._ready is not None and not self._ready.done():
            self._ready.set_result(message.get("isolation") or {})
        elif op == "exit":
            waiter = self._exits.get(message.get("pid"))  # type: ignore[arg-type]
            if waiter is not None and not waiter.done():
                waiter.set_result(message)

    # -- workers --------------------------------------------------------------------------
    async def _prepare(
        self, pid: int, sock: socket.socket, pidfd: int, preset: tuple[int, int]
    ) -> None:
        """Wait for a new worker's warm-up, then hand it to a waiter or the idle queue.
        Whatever goes wrong counts as a failed worker: nothing may leave a waiter hanging."""
        link: WorkerLink | None = None
        try:
            link = WorkerLink(sock, self.max_line, self.spin_s)
            ok = await asyncio.wait_for(asyncio.shield(link.ready), self.start_timeout_s)
        except (Exception, asyncio.CancelledError):
            ok = False
        self._outstanding -= 1
        if link is None:
            sock.close()
            os.close(pidfd)
            self._worker_failed()
            return
        worker = Worker(pid, pidfd, link, preset)
        if not ok or not self.running:
            worker.close()
            self._worker_failed()
            return
        self._failures = 0
        link.handler = None  # idle: anything it sends now is a protocol breach
        link.on_close = lambda exc: self._discard_idle(worker)
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(worker)
                return
        self._idle.append(worker)

    def _worker_failed(self) -> None:
        self._failures += 1
        if self._failures >= MAX_CONSECUTIVE_FAILURES:
            self._broken = SandboxError(
                f"{self._failures} sandbox workers in a row failed to start\n{self.stderr_tail()}"
            )
            self._fail_waiters(self._broken)
        else:
            self.refill()

    def _discard_idle(self, worker: Worker) -> None:
        if worker in self._idle:
            self._idle.remove(worker)
            worker.close()
            self.refill()

    def _fail_waiters(self, exc: SandboxError) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_exception(exc)

    def refill(self) -> None:
        if self._ctrl is None or self._broken is not None:
            return
        missing = self.size - len(self._idle) - self._outstanding
        if missing > 0:
            self._outstanding += missing
            try:
                self._ctrl.send(b"s%d,%d;" % self.hint * missing)
            except OSError:
                self._outstanding -= missing

    def _pop_fitting(self, need: tuple[int, int]) -> Worker | None:
        """The first idle worker whose limits can serve ``need``. Workers that cannot (a
        worker can lower its limits but never raise them) are dropped, and from now on
        workers are forked with limits at least as high as ``need``."""
        self.hint = (max(self.hint[0], need[0]), max(self.hint[1], need[1]))
        while self._idle:
            worker = self._idle.popleft()
            if worker.fits(need):
                return worker
            worker.close()
            self.refill()
        return None

    def take_nowait(self, need: tuple[int, int]) -> Worker | None:
        """A ready worker if one is waiting (the fast path), else None."""
        if not self._idle or self._broken is not None or self._ctrl is None:
            return None
        worker = self._pop_fitting(need)
        if worker is not None:
            self._exits[worker.pid] = asyncio.get_running_loop().create_future()
        return worker

    async def take(self, need: tuple[int, int]) -> Worker:
        """A ready worker (waiting for one if needed); a replacement is forked after."""
        if self._broken is not None:
            raise self._broken
        loop = asyncio.get_running_loop()
        worker = self._pop_fitting(need)
        if worker is None:
            waiter: asyncio.Future[Worker] = loop.create_future()
            self._waiters.append(waiter)
            self.refill()
            try:
                worker = await asyncio.wait_for(waiter, self.start_timeout_s)
            except asyncio.TimeoutError:
                raise SandboxError("no sandbox worker became ready in time") from None
            if not worker.fits(need):  # forked before the hint rose: try again
                worker.close()
                return await self.take(need)
        self._exits[worker.pid] = loop.create_future()
        return worker

    def exit_status(self, worker: Worker) -> asyncio.Future[dict[str, Any]]:
        """Resolves with the template's report of how ``worker`` ended."""
        return self._exits[worker.pid]

    def release(self, worker: Worker) -> None:
        """Kill and forget a used worker and fork its replacement, after the caller has
        its result: neither the kill nor the fork is on the request path."""
        self._exits.pop(worker.pid, None)
        loop = asyncio.get_running_loop()
        loop.call_soon(worker.close)
        loop.call_soon(self.refill)
