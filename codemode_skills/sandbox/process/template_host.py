"""The host's handles on one template process (start it, talk to it, notice it stop)
and on the workers it forks.

The template is started with ``python -I`` and an empty environment and answers spawn
requests over a control socket (``jail/template``; the messages are ``jail/protocol``'s).
This module owns that process: its control socket and stderr readers, and a watchdog.
A template that was SIGSTOPped, hangs or died would otherwise leave every later request
waiting for workers that never come (F04): so when spawn requests stay unanswered for
``answer_timeout_s`` while the template says nothing at all, it counts as gone, is
killed, and the owner (the pool) is told, the same way as when its control socket closes.

Every callback registered here (socket readers, the watchdog timer) is registered under
an empty ``contextvars.Context``: a handle copies the context it is registered in, and
this one is registered from whichever request happened to start or restart the sandbox.
Nothing dispatched from these callbacks may act with that request's identity (F07, H7).
"""

from __future__ import annotations

import array
import asyncio
import contextvars
import json
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import Any

from ..jail import protocol, wire
from ..jail.protocol import WorkerLimits
from .bwrap import bwrap_prefix
from .link import WorkerLink

#: The default for how long spawn requests may go unanswered before the template counts
#: as stopped. A fork takes milliseconds; this is generous for a loaded machine, because
#: replacing the template also ends the programs its workers are running.
ANSWER_TIMEOUT_S = 10.0


def detached() -> contextvars.Context:
    """A fresh, empty context for callbacks that serve no particular request."""
    return contextvars.Context()


def reap(proc: subprocess.Popen[bytes]) -> None:
    """Kill ``proc`` and collect it without blocking the event loop for long: a killed
    process normally exits within milliseconds; if not, a thread waits for it."""
    if proc.poll() is None:
        proc.kill()
    try:
        proc.wait(timeout=0.05)
    except subprocess.TimeoutExpired:
        threading.Thread(target=proc.wait, name="codemode-reap", daemon=True).start()


class TemplateProcess:
    """One template process. ``on_message(message, fds)`` gets each control message
    (``worker``/``exit``; ``ready`` resolves ``ready``); ``on_gone(reason)`` is called
    once when the template exits, closes its socket or stops answering."""

    def __init__(
        self,
        *,
        layers: dict[str, bool],
        restricted: bool,
        bwrap: bool | str,
        answer_timeout_s: float,
        on_message: Callable[[dict[str, Any], list[int]], None],
        on_gone: Callable[[str], None],
    ) -> None:
        self.loop = asyncio.get_running_loop()
        self.answer_timeout_s = answer_timeout_s
        self.on_message = on_message
        self.on_gone = on_gone
        self.unanswered = 0  # spawn requests the template has not answered yet
        self.closed = False
        self._quiet_since = 0.0  # when the template last said anything while it owed answers
        self._watchdog: asyncio.TimerHandle | None = None
        self._stderr_tail = b""
        self.ready: asyncio.Future[dict[str, Any]] = self.loop.create_future()
        host_end, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        config = json.dumps(
            {"ctrl_fd": child_end.fileno(), "layers": layers, "restricted": restricted}
        )
        command = [sys.executable, "-I", "-c", protocol.BOOT, protocol.PACKAGE_ROOT, config]
        if bwrap:
            command = bwrap_prefix(bwrap) + command
        try:
            self.proc = subprocess.Popen(
                command,
                env={},
                pass_fds=(child_end.fileno(),),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                cwd="/",
            )
        except BaseException:
            host_end.close()
            raise
        finally:
            child_end.close()
        host_end.setblocking(False)
        self.ctrl = host_end
        assert self.proc.stderr is not None
        self._stderr_fd = self.proc.stderr.fileno()
        os.set_blocking(self._stderr_fd, False)
        empty = detached()
        empty.run(self.loop.add_reader, host_end.fileno(), self._on_control)
        empty.run(self.loop.add_reader, self._stderr_fd, self._on_stderr)

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def alive(self) -> bool:
        return not self.closed and self.proc.poll() is None

    def stderr_tail(self) -> str:
        """The end of what the template printed (a traceback's last lines), for errors."""
        return self._stderr_tail.decode("utf-8", "replace")[-2000:]

    # -- requests -------------------------------------------------------------------------
    def request_workers(self, count: int, limits: WorkerLimits) -> bool:
        """Ask for ``count`` workers forked with ``limits``; False if it failed."""
        if self.closed:
            return False
        try:
            self.ctrl.send(protocol.spawn_request(limits, count))
        except OSError:
            return False
        if self.unanswered == 0:
            self._quiet_since = self.loop.time()  # the clock starts with the first request
        self.unanswered += count
        if self._watchdog is None:
            self._arm(self.answer_timeout_s)
        return True

    def _arm(self, delay: float) -> None:
        self._watchdog = self.loop.call_later(delay, self._check, context=detached())

    def _check(self) -> None:
        self._watchdog = None
        if self.closed or self.unanswered <= 0:
            return
        quiet = self.loop.time() - self._quiet_since
        if quiet < self.answer_timeout_s:
            self._arm(self.answer_timeout_s - quiet)
            return
        self._gone(
            f"the sandbox template answered none of {self.unanswered} worker request(s) "
            f"for {quiet:.1f} s and was replaced"
        )

    # -- from the template ----------------------------------------------------------------
    def _on_stderr(self) -> None:
        try:
            data = os.read(self._stderr_fd, 65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self.loop.remove_reader(self._stderr_fd)
        # keep only the end (whatever the template prints, e.g. an endless warning loop)
        self._stderr_tail = (self._stderr_tail + data)[-8192:]

    def _on_control(self) -> None:
        try:
            # room for two fds: a new worker's socket and its pidfd
            size = protocol.CONTROL_MESSAGE_BYTES
            data, ancdata, _, _ = self.ctrl.recvmsg(size, socket.CMSG_SPACE(8))
        except (BlockingIOError, InterruptedError):
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
            self._gone(f"the sandbox template exited\n{self.stderr_tail()}")
            return
        self._quiet_since = self.loop.time()
        try:
            message = wire.decode(data)
        except wire.WireError:
            message = {"op": "?"}
        op = message.get("op")
        if op == protocol.WORKER:
            self.unanswered = max(0, self.unanswered - 1)
        if op == protocol.READY:
            for fd in fds:
                os.close(fd)
            if not self.ready.done():
                self.ready.set_result(message.get("isolation") or {})
            return
        self.on_message(message, fds)

    # -- ending ---------------------------------------------------------------------------
    def _gone(self, reason: str) -> None:
        if self.closed:
            return
        self.close(reason)
        self.on_gone(reason)

    def close(self, reason: str = "the sandbox was closed") -> None:
        """Stop listening, kill the process (its workers die with it) and collect it."""
        if self.closed:
            return
        self.closed = True
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None
        self.loop.remove_reader(self.ctrl.fileno())
        self.ctrl.close()
        self.loop.remove_reader(self._stderr_fd)
        reap(self.proc)
        assert self.proc.stderr is not None
        self.proc.stderr.close()
        if not self.ready.done():
            self.ready.set_exception(SandboxGone(reason))
            self.ready.exception()  # retrieved: the launcher reports it


class Worker:
    """One single-use worker: its pid, a pidfd to kill it by, and its socket link."""

    def __init__(self, pid: int, pidfd: int, link: WorkerLink, limits: WorkerLimits) -> None:
        self.pid = pid
        self.pidfd = pidfd
        self.link = link
        #: The limits the worker set at fork; it can lower them, never raise them.
        self.limits = limits
        #: The tenant it is handed out to, and whether it still counts against it.
        self.tenant: str | None = None
        self.held = False
        #: The template that forked it (its workers die with it).
        self.origin: TemplateProcess | None = None

    def fits(self, need: WorkerLimits) -> bool:
        return self.limits.fits(need)

    @property
    def orphaned(self) -> bool:
        """Whether the template that forked it is gone (exited, or replaced)."""
        origin = self.origin
        return origin is None or origin.closed or origin.proc.poll() is not None

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


class SandboxGone(Exception):
    """The template ended before it was ready."""
