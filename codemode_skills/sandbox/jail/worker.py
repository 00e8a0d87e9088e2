"""The single-use worker: forked from the template, runs exactly one program, exits.

Everything in this module runs inside the sandbox. The worker talks to the host over one
stream socket (see ``wire``): it receives the run request, sends ``log`` and ``call``
messages as JSON lines, receives ``ret`` replies, and finishes with ``done``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import itertools
import json
import marshal
import os
import socket
import sys
import time
from collections.abc import Callable
from typing import Any

from . import heap, os_layers, protocol, wire
from .policy import hardening, warnrouting
from .policy.modules import ModuleRegistry
from .policy.ownership import register_capability
from .policy.streams import unraisable_report
from .policy.transformer import compile_program
from .runtime import CALL_ERRORS, ProgramRun, RunLimits, ToolError

_MB = 1024 * 1024
_DEFAULT_LIMITS = RunLimits()
_DEFAULT_SPEC = dataclasses.astuple(_DEFAULT_LIMITS)
#: How long a worker polls for a tool's reply before it blocks (see _spin_for_data).
SPIN_S = protocol.default_spin_s()


class _Channel:
    """Blocking writes, event-loop driven reads, on the worker's end of the socket."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""
        self.pending: dict[int, asyncio.Future[Any]] = {}
        self.ids = itertools.count(1)
        self.token: str | None = None  # the execution's token, returned with every call

    def send(self, message: dict[str, Any]) -> None:
        self.sock.sendall(wire.encode(message))

    def _receive(self, flags: int = 0) -> None:
        """Append what the socket has to the buffer (blocking unless ``flags`` say not);
        EOFError when the host has gone."""
        chunk = self.sock.recv(65536, flags)
        if not chunk:
            raise EOFError
        self.buffer += chunk

    def _pop_message(self) -> dict[str, Any] | None:
        if b"\n" not in self.buffer:
            return None
        line, self.buffer = self.buffer.split(b"\n", 1)
        return json.loads(line)

    def read_message(self) -> dict[str, Any]:
        while (message := self._pop_message()) is None:
            self._receive()
        return message

    def read_request(self) -> dict[str, Any]:
        """Block until the host's run request is complete (see ``wire.run_message``)."""
        while (parsed := wire.parse_run(self.buffer)) is None:
            self._receive()
        request, self.buffer = parsed
        return request

    def on_readable(self) -> None:
        try:
            self._receive()
        except EOFError:  # the host went away: nothing left to do
            os._exit(protocol.EXIT_HOST_GONE)
        while (reply := self._pop_message()) is not None:
            future = self.pending.pop(reply.get("id"), None)
            if future is not None and not future.done():
                future.set_result(reply)

    def _read_reply(self, call_id: int) -> dict[str, Any]:
        self._spin_for_data()
        while True:
            reply = self.read_message()
            if reply.get("id") == call_id:
                return reply

    def _spin_for_data(self, budget_s: float = SPIN_S) -> None:
        """Poll briefly before sleeping: a fast tool answers within tens of microseconds,
        and a worker that never sleeps skips the cost of being woken up again."""
        if b"\n" in self.buffer:
            return
        clock = time.perf_counter
        now = clock()
        deadline, next_yield = now + budget_s, now + protocol.YIELD_EVERY_S
        while now < deadline:
            try:
                self._receive(socket.MSG_DONTWAIT)
            except BlockingIOError:
                now = clock()
                if now > next_yield:  # the host may have been woken on this very CPU
                    os.sched_yield()
                    next_yield = now + protocol.YIELD_EVERY_S
                continue
            if b"\n" in self.buffer:
                return

    async def call(self, kind: str, name: str, args: dict[str, Any]) -> Any:
        call_id = next(self.ids)
        try:
            data = wire.call_line(call_id, kind, name, args, self.token)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"arguments to {kind}.{name}() must be JSON values: {exc}") from None
        loop = asyncio.get_running_loop()
        if not self.pending and _nothing_else_to_run(loop):
            # Nothing can make progress before the host answers, so wait for the reply
            # right here instead of going round the event loop (a sequential tool call
            # then costs one send and one receive).
            self.sock.sendall(data)
            reply = self._read_reply(call_id)
        else:
            future = loop.create_future()
            self.pending[call_id] = future
            self.sock.sendall(data)
            reply = await future
        host_cpu = reply.get("cpu")
        if SPIN_S and host_cpu == protocol.current_cpu():
            _leave_cpu(host_cpu)
        if reply.get("ok"):
            return reply.get("value")
        error = reply.get("error") or {}
        cls = CALL_ERRORS.get(str(error.get("type")), ToolError)
        raise cls(str(error.get("message", "the tool failed")))


def _nothing_else_to_run(loop: asyncio.AbstractEventLoop) -> bool:
    """True when no callback is ready and no timer is pending: the running task is the
    only thing that could run. Reads the selector loop's internals, so any doubt (another
    loop implementation) answers False and the caller takes the ordinary path."""
    ready = getattr(loop, "_ready", None)
    scheduled = getattr(loop, "_scheduled", None)
    return ready is not None and scheduled is not None and not ready and not scheduled


def _request_waiting(sock: socket.socket) -> bool:
    """Whether the host has sent something (the request) that is not read yet."""
    try:
        return bool(sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT))
    except (BlockingIOError, InterruptedError):
        return False
    except OSError:
        return True  # the socket is gone: stop priming, read_request reports it


def _isolate_fds(keep: list[int], devnull: int) -> None:
    for target in (0, 1, 2):
        os.dup2(devnull, target)
    keep_set = sorted(set(keep) | {0, 1, 2})
    low = 3
    for fd in keep_set:
        if fd >= low:
            os.closerange(low, fd)
            low = fd + 1
    os.closerange(low, 65536)  # beyond any fd the template (a handful open) handed down


def worker_main(
    sock: socket.socket,
    devnull: int,
    registry: ModuleRegistry,
    memory_base: int,
    seccomp: bool,
    fork_limits: protocol.WorkerLimits,
    own_domain: bool = False,
) -> None:
    """Entry point in the forked child. Never returns.

    ``fork_limits``: the limits it is forked with, set before any request comes; the
    request may only lower them.

    ``own_domain``: confine this worker apart from the template and its siblings (its
    own IPC namespace and signal-scoped Landlock domain; see ``os_layers``), which the
    template turns on when its probe found both work here."""
    code = protocol.EXIT_DONE
    channel: _Channel | None = None
    try:
        os_layers.prctl(os_layers.PR_SET_PDEATHSIG, 9)  # die with the template
        os_layers.prctl(os_layers.PR_SET_DUMPABLE, 0)  # no /proc peeking, no ptrace
        _isolate_fds([sock.fileno()], devnull)
        if own_domain:  # before seccomp, which refuses unshare
            os_layers.private_ipc()
            os_layers.scope_worker()
        try:  # the template forks as a batch task; a worker is on the request path
            os.sched_setscheduler(0, os.SCHED_OTHER, os.sched_param(0))
        except (AttributeError, OSError):
            pass
        sock.setblocking(True)
        os_layers.apply_worker_limits()
        _apply_limits(memory_base, fork_limits)  # the likely limits, before any request
        loop = asyncio.new_event_loop()  # needs a socketpair: create it before seccomp
        asyncio.set_event_loop(loop)
        if seccomp:
            os_layers.load_seccomp()
        channel = _Channel(sock)
        _warm_up(loop, registry)
        # everything that does not depend on the request is set up before it comes: the
        # run, its globals, and the task that will run the program
        log = lambda text: channel.send({"op": "log", "text": text})  # noqa: E731
        # a process of its own: public stores need no check where classes are frozen
        isolated = hardening.frozen_count > 0
        run = ProgramRun(registry=registry, call=channel.call, console=log, isolated=isolated)
        sys.stdout, sys.stderr = _console(run.write), _console(run.write_error)
        sys.unraisablehook = functools.partial(_report_unraisable, run.write_error)
        warnrouting.ACTIVE.set(registry.warnings)  # the interpreter's warnings: the program's
        pending = _PendingRun(loop, run)
        loop.add_reader(sock.fileno(), channel.on_readable)
        sock.sendall(protocol.WORKER_READY + b"\n")
        heap.prime(functools.partial(_request_waiting, sock))  # only while none is waiting
        request = channel.read_request()
        channel.token = request["token"]
        wanted = protocol.WorkerLimits(request["memory_mb"], max(1, request["cpu_s"]))
        if wanted != fork_limits:  # only ever lower: the host never asks for more
            _apply_limits(memory_base, wanted)
        limits_spec = request["limits"]
        limits = _DEFAULT_LIMITS if limits_spec == _DEFAULT_SPEC else RunLimits(*limits_spec)
        run.configure(
            tool_names=request["tools"],
            skill_names=request["skills"],
            limits=limits,
            extra_globals=request["globals"],
            restricted=request["restricted"],
        )
        program = request["code"]  # bytes: code the host compiled under the policy
        outcome = pending.finish(marshal.loads(program) if isinstance(program, bytes) else program)
        _send_done(channel, outcome, run.tool_calls)
        _linger(sock)
    except MemoryError:
        code = protocol.EXIT_OUT_OF_MEMORY
        if channel is not None:
            error = {"type": "MemoryLimitExceeded", "message": "the program ran out of memory"}
            try:
                _send_done(channel, {"success": False, "error": {**error, "line": None}}, 0)
            except BaseException:
                pass
    except BaseException:
        code = protocol.EXIT_CRASHED
    finally:
        os._exit(code)


_WARM_UP = """
import json
class Point:
    def __init__(self, x):
        self._x = x
data = {"a": [1, 2, 3], "b": "{} {}".format(1, 2)}
print(f"{data['a']!r} {Point(1)._x}")
return json.loads(json.dumps(data))
"""


@functools.cache
def warm_up_program() -> bytes:
    """The warm-up program, compiled once (the template calls this before it forks, so
    every worker shares the bytes) and shipped the way the host ships programs."""
    return marshal.dumps(compile_program(_WARM_UP))


def _warm_up(loop: asyncio.AbstractEventLoop, registry: ModuleRegistry) -> None:
    """Run a representative program once so the copy-on-write page faults and lazy
    initialisation it triggers happen before the worker reports ready, not on the
    request path. Nothing it creates is reachable from the real program."""

    async def no_call(kind: str, name: str, args: dict[str, Any]) -> Any:
        return None

    run = ProgramRun(registry=registry, call=no_call, console=lambda text: None)
    _PendingRun(loop, run).finish(marshal.loads(warm_up_program()))


class _PendingRun:
    """A run whose task starts before its program is known: creating a task and
    building the globals are then off the request path. The task waits on a future that
    ``finish`` resolves with the program, so the program still runs inside a real task
    (``asyncio.current_task()``, ``asyncio.timeout`` and friends work as usual)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, run: ProgramRun) -> None:
        self.loop = loop
        self.run = run
        run.prepare()
        self.program: asyncio.Future[Any] = loop.create_future()
        self.task = loop.create_task(self._main())
        _drain(loop, self.task)  # up to the wait for the program

    async def _main(self) -> dict[str, Any]:
        return await self.run.run(await self.program)

    def finish(self, program: Any) -> dict[str, Any]:
        """Run ``program`` (source or code) to its outcome. A program that never has to
        wait (no sleep, no gather, only sequential tool calls) finishes without the loop
        ever polling: the task's steps run straight from the ready queue."""
        self.program.set_result(program)
        _drain(self.loop, self.task)
        if self.task.done():
            return self.task.result()
        return self.loop.run_until_complete(self.task)


def _drain(loop: asyncio.AbstractEventLoop, task: asyncio.Task[Any]) -> None:
    """Run the callbacks that are ready now (until ``task`` is done), without polling."""
    ready = getattr(loop, "_ready", None)
    if ready is None:  # another loop implementation: run_until_complete does it all
        return
    asyncio.events._set_running_loop(loop)
    try:
        while ready and not task.done():
            ready.popleft()._run()
    finally:
        asyncio.events._set_running_loop(None)


def _leave_cpu(host_cpu: Any) -> None:
    """Run on any CPU but the host's: both sides poll for each other's messages, and
    two pollers sharing one CPU would only take turns. Done lazily, when a reply shows we
    share: a short program is better off staying where it was woken."""
    if not SPIN_S or not isinstance(host_cpu, int) or host_cpu < 0:
        return
    allowed = _ALL_CPUS - {host_cpu}
    if allowed:
        os.sched_setaffinity(0, allowed)


_ALL_CPUS = frozenset(os.sched_getaffinity(0))
#: Address space allowed beyond the template's baseline and the run's memory limit: slack
#: for what the worker itself allocates after the baseline was read (its event loop,
#: buffers, the encoded result), so the program gets about its whole ``memory_mb``.
_WORKER_HEADROOM_MB = 64


def _apply_limits(memory_base: int, limits: protocol.WorkerLimits) -> None:
    address_space = memory_base + (limits.memory_mb + _WORKER_HEADROOM_MB) * _MB
    os_layers.apply_run_limits(address_space=address_space, cpu_seconds=limits.cpu_s)


def _linger(sock: socket.socket) -> None:
    """After the result is sent, wait to be killed instead of exiting: tearing down the
    address space takes a while, and a worker woken on the host's CPU would do it
    before the host gets to read the result."""
    try:
        sock.settimeout(60)  # the host kills us once it has the result: a bound, no more
        while sock.recv(4096):
            pass
    except OSError:
        pass


def _send_done(channel: _Channel, outcome: dict[str, Any], tool_calls: int) -> None:
    result_json = outcome.pop("result_json", None)
    outcome.pop("result", None)
    head = wire.ENCODER.encode({"op": "done", "tool_calls": tool_calls, **outcome})
    if result_json is not None:  # splice the already-encoded result in, no second pass
        line = head[:-1] + ', "result": ' + result_json + "}\n"
    else:
        line = head + "\n"
    channel.sock.sendall(line.encode())


def _report_unraisable(write_error: Callable[[str], None], unraisable: Any) -> None:
    """``sys.unraisablehook`` in the worker: CPython's report, on the program's stderr,
    without host frames (``streams.unraisable_report``)."""
    try:
        write_error(unraisable_report(unraisable))
    except BaseException:  # past the log limit: the run's failure says so already
        pass


def _console(write: Callable[[str], None]) -> Any:
    """``sys.stdout`` inside the worker: writes become live log messages. It holds
    nothing but a closure (no attribute leads to the run or the channel, F03), and like
    the channel it is refused as the value of any checked access."""

    class Console:
        __slots__ = ()

        def write(self, text: str) -> int:
            write(str(text))
            return len(text)

        def flush(self) -> None:
            pass

    register_capability(Console)
    return Console()


register_capability(_Channel)  # refused as the value of any checked access
