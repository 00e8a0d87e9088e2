"""``SubprocessDriver``: every program in a pristine, locked-down, single-use process.

Host side. A template process (see ``template``) is started once with ``python -I`` and
an empty environment; it forks workers ahead of demand, so a ready worker waits for the
next ``execute`` and the fork is off the request path. A worker runs one program and is
killed afterwards, whatever happened. Everything a worker sends is untrusted: lines are
size-capped, parsed strictly and validated, and any breach kills the worker.
"""

from __future__ import annotations

import array
import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..errors import IsolationUnavailable, SandboxError
from . import wire
from .bridge import BridgeError
from .driver import ExecutionRequest, failure, make_result
from .result import ExecutionResult
from .template import BOOT

LAYERS = ("uid", "namespaces", "network", "landlock", "seccomp", "rlimits")
_PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@dataclass
class _Worker:
    pid: int
    sock: socket.socket
    pidfd: int
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None

    def kill(self) -> None:
        try:
            signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)
        except (ProcessLookupError, OSError):
            pass

    def close(self) -> None:
        self.kill()
        if self.writer is not None:
            self.writer.close()
        else:
            self.sock.close()
        try:
            os.close(self.pidfd)
        except OSError:
            pass
        self.pidfd = -1


class _Crash(Exception):
    pass


def bwrap_prefix(bwrap: bool | str) -> list[str]:
    """The bubblewrap command line that wraps the template.

    Only what the template needs is mounted, read-only: ``/usr`` (system libraries), the
    Python installation and this package. No ``/etc``, no ``/home``, no host ``/tmp``.
    """
    binary = bwrap if isinstance(bwrap, str) else shutil.which("bwrap")
    if not binary or not os.path.exists(binary):
        raise IsolationUnavailable("bubblewrap mode was requested but `bwrap` is not installed")
    args = [
        binary,
        "--unshare-all",
        "--die-with-parent",
        "--new-session",
        "--clearenv",
        "--cap-drop",
        "ALL",
        "--dev",
        "/dev",
        "--proc",
        "/proc",
        "--tmpfs",
        "/tmp",
        "--ro-bind",
        "/usr",
        "/usr",
        "--chdir",
        "/",
    ]
    for top in ("/lib", "/lib64", "/bin", "/sbin"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    roots = {sys.prefix, sys.base_prefix, os.path.dirname(_PACKAGE_ROOT)}
    roots |= {sysconfig.get_paths()[k] for k in ("purelib", "platlib")}
    for root in sorted(roots):
        if not root.startswith("/usr/") and os.path.isdir(root):
            args += ["--ro-bind", root, root]
    for path in ("/etc/localtime", "/etc/ld.so.cache"):  # time zone; libseccomp lookup
        args += ["--ro-bind-try", path, path]
    return [*args, "--"]
    return args


class SubprocessDriver:
    """The default driver. See docs/security.md for what each layer guarantees.

    Args:
        pool_size: workers kept forked and waiting.
        require: layers that must be active, else ``start`` raises ``IsolationUnavailable``.
        strict: require every layer.
        restricted: apply the language policy (default). ``False`` runs plain Python
            inside the OS layers only: for trusted code that needs all of Python.
        layers: turn individual layers off (``{"landlock": False}``), for diagnosis.
        bwrap: also wrap the template in bubblewrap (``True`` finds ``bwrap`` on PATH, a
            string is its path): a private mount namespace with only the Python
            installation visible, read-only, and a PID namespace. Raises
            ``IsolationUnavailable`` at start when bubblewrap is not installed.
    """

    name = "subprocess"

    def __init__(
        self,
        *,
        pool_size: int = 1,
        require: Iterable[str] = (),
        strict: bool = False,
        restricted: bool = True,
        layers: dict[str, bool] | None = None,
        start_timeout_s: float = 60.0,
        bwrap: bool | str = False,
    ) -> None:
        self.pool_size = max(1, pool_size)
        self.require = set(LAYERS if strict else require)
        unknown = self.require - set(LAYERS)
        if unknown:
            raise ValueError(f"unknown isolation layers {sorted(unknown)}; known: {LAYERS}")
        self.restricted = restricted
        self.layers = {k: True for k in ("uid", "namespaces", "landlock", "seccomp")}
        self.layers.update(layers or {})
        self.start_timeout_s = start_timeout_s
        self.bwrap = bwrap
        self._proc: subprocess.Popen[bytes] | None = None
        self._ctrl: socket.socket | None = None
        self._idle: asyncio.Queue[_Worker] | None = None
        self._outstanding = 0
        self._ready: asyncio.Future[dict[str, Any]] | None = None
        self._exits: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._isolation: dict[str, Any] = {}
        self._lock = asyncio.Lock()
        self._stderr_tail = b""
        self._preparing: set[asyncio.Task[None]] = set()
        self.max_message_bytes = 8 * 1024 * 1024

    # -- lifecycle -----------------------------------------------------------------------
    @property
    def isolation(self) -> dict[str, Any]:
        """The layers the running template reported, and a summary ``active`` list."""
        return dict(self._isolation)

    async def start(self) -> None:
        async with self._lock:
            if self._proc is not None and self._proc.poll() is None and self._ctrl is not None:
                return
            await self._launch()

    async def _launch(self) -> None:
        loop = asyncio.get_running_loop()
        host_end, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        config = json.dumps(
            {"ctrl_fd": child_end.fileno(), "layers": self.layers, "restricted": self.restricted}
        )
        try:
            command = [sys.executable, "-I", "-c", BOOT, _PACKAGE_ROOT, config]
            if self.bwrap:
                command = bwrap_prefix(self.bwrap) + command
            self._proc = subprocess.Popen(  # noqa: ASYNC220 - a quick fork+exec, once
                command,
                env={},
                pass_fds=(child_end.fileno(),),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                cwd="/",
            )
        finally:
            child_end.close()
        host_end.setblocking(False)
        self._ctrl = host_end
        self._idle = asyncio.Queue()
        self._outstanding = 0
        self._ready = loop.create_future()
        loop.add_reader(host_end.fileno(), self._on_control)
        assert self._proc.stderr is not None
        os.set_blocking(self._proc.stderr.fileno(), False)
        loop.add_reader(self._proc.stderr.fileno(), self._on_stderr)
        try:
            report = await asyncio.wait_for(asyncio.shield(self._ready), self.start_timeout_s)
        except (asyncio.TimeoutError, SandboxError) as exc:
            tail = self._stderr_tail.decode("utf-8", "replace")[-2000:]
            self._shutdown()
            raise SandboxError(f"the sandbox template did not start: {exc}\n{tail}") from None
        self._isolation = self._summarize(report)
        missing = sorted(layer for layer in self.require if layer not in self._isolation["active"])
        if missing:
            self._shutdown()
            raise IsolationUnavailable(
                f"required isolation layers are not available: {missing}; "
                f"report: {json.dumps(self._isolation)}"
            )
        self._refill()

    def _summarize(self, report: dict[str, Any]) -> dict[str, Any]:
        active = ["rlimits"] + (["bwrap"] if self.bwrap else [])
        for layer in ("uid", "namespaces", "landlock", "seccomp"):
            if report.get(layer, {}).get("active"):
                active.append(layer)
        if report.get("network", {}).get("isolated"):
            active.append("network")
        inactive = {
            layer: (report.get(layer) or {}).get("reason", "turned off")
            for layer in LAYERS
            if layer not in active
        }
        return {
            "driver": self.name,
            "restricted": self.restricted,
            "active": active,
            "inactive": inactive,
            "layers": report,
        }

    async def close(self) -> None:
        self._shutdown()

    def _shutdown(self) -> None:
        loop = asyncio.get_event_loop()
        if self._ctrl is not None:
            loop.remove_reader(self._ctrl.fileno())
            self._ctrl.close()
            self._ctrl = None
        if self._idle is not None:
            while not self._idle.empty():
                self._idle.get_nowait().close()
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
            self._ready.exception()  # mark retrieved

    async def __aenter__(self) -> SubprocessDriver:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- the control channel ---------------------------------------------------------------
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
            self._template_died()
            return
        try:
            message = wire.decode(data)
        except wire.WireError:
            message = {"op": "?"}
        op = message.get("op")
        if op == "worker" and len(fds) == 2 and isinstance(message.get("pid"), int):
            worker = _Worker(message["pid"], socket.socket(fileno=fds[0]), fds[1])
            task = asyncio.get_event_loop().create_task(self._prepare(worker))
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

    async def _prepare(self, worker: _Worker) -> None:
        """Wrap a new worker's socket in streams and wait for its warm-up to finish, so
        none of this is on the request path."""
        try:
            worker.reader, worker.writer = await asyncio.open_connection(
                sock=worker.sock, limit=self.max_message_bytes
            )
            ready = await asyncio.wait_for(worker.reader.readline(), self.start_timeout_s)
        except (OSError, asyncio.TimeoutError, ValueError):
            ready = b""
        self._outstanding -= 1
        if ready != b'{"op": "ready"}\n' or self._idle is None:
            worker.close()
            self._refill()
            return
        self._idle.put_nowait(worker)

    def _template_died(self) -> None:
        self._shutdown()

    def _refill(self) -> None:
        if self._ctrl is None or self._idle is None:
            return
        missing = self.pool_size - self._idle.qsize() - self._outstanding
        if missing > 0:
            self._outstanding += missing
            self._ctrl.send(b"s" * missing)

    async def _take(self) -> _Worker:
        if self._idle is not None and not self._idle.empty() and self._ctrl is not None:
            worker = self._idle.get_nowait()
            asyncio.get_running_loop().call_soon(self._refill)  # fork off the request path
            return worker
        for attempt in range(2):
            await self.start()
            assert self._idle is not None
            if self._idle.empty():
                self._refill()
            idle = self._idle
            try:
                worker = await asyncio.wait_for(idle.get(), self.start_timeout_s)
            except asyncio.TimeoutError:
                if attempt:
                    raise SandboxError("no sandbox worker became ready in time") from None
                self._shutdown()
                continue
            asyncio.get_running_loop().call_soon(self._refill)  # fork off the request path
            return worker
        raise SandboxError("the sandbox could not provide a worker")

    # -- one execution ---------------------------------------------------------------------
    async def execute(self, request: ExecutionRequest) -> ExecutionResult:
        started = time.perf_counter()
        logs: list[str] = []
        counters = {"calls": 0, "log_bytes": 0}
        try:
            worker = await self._take()
        except SandboxError as exc:
            return failure("SandboxError", str(exc), logs, started)
        assert worker.reader is not None and worker.writer is not None
        loop = asyncio.get_running_loop()
        exit_waiter: asyncio.Future[dict[str, Any]] = loop.create_future()
        self._exits[worker.pid] = exit_waiter
        limits = request.limits
        tasks: set[asyncio.Task[None]] = set()
        timed_out = False

        def on_timeout() -> None:  # the wall clock: kill, the conversation then sees EOF
            nonlocal timed_out
            timed_out = True
            worker.kill()

        timer = loop.call_later(request.timeout_s, on_timeout)
        try:
            worker.writer.write(
                wire.encode(
                    {
                        "op": "run",
                        "code": request.code,
                        "tools": request.bridge.tool_names,
                        "skills": request.bridge.skill_names,
                        "limits": {
                            "max_log_bytes": limits.max_log_bytes,
                            "max_result_bytes": limits.max_result_bytes,
                            "max_tool_calls": limits.max_tool_calls,
                        },
                        "memory_mb": request.memory_mb,
                        "cpu_s": int(request.timeout_s) + 1,
                        "globals": request.globals,
                        "restricted": self.restricted,
                    }
                )
            )
            return await self._converse(request, worker, logs, counters, tasks, started)
        except _Crash:
            if timed_out:
                return failure(
                    "TimeoutError",
                    f"the program did not finish within {request.timeout_s:g} s and was stopped",
                    logs,
                    started,
                    counters["calls"],
                )
            return await self._crash_result(exit_waiter, logs, started, counters["calls"])
        except (ValueError, asyncio.LimitOverrunError):
            return failure(
                "OutputLimitExceeded",
                "the program sent a message over the size limit",
                logs,
                started,
                counters["calls"],
            )
        except wire.WireError as exc:
            return failure(
                "SandboxError",
                f"the sandbox broke protocol: {exc}",
                logs,
                started,
                counters["calls"],
            )
        finally:
            timer.cancel()
            for task in tasks:
                task.cancel()
            worker.close()
            self._exits.pop(worker.pid, None)

    async def _converse(
        self,
        request: ExecutionRequest,
        worker: _Worker,
        logs: list[str],
        counters: dict[str, int],
        tasks: set[asyncio.Task[None]],
        started: float,
    ) -> ExecutionResult:
        bridge, limits = request.bridge, request.limits
        reader, writer = worker.reader, worker.writer
        assert reader is not None and writer is not None
        while True:
            line = await reader.readline()
            if not line.endswith(b"\n"):
                raise _Crash
            if len(line) > max(limits.max_result_bytes, limits.max_log_bytes) * 4 + 65536:
                raise ValueError("message too large")
            message = wire.decode(line)
            op = message["op"]
            if op == "log":
                text = wire.field(message, "text", str)
                counters["log_bytes"] += len(text)
                if counters["log_bytes"] > limits.max_log_bytes * 4 + 4096:
                    raise ValueError("log flood")
                logs.append(text)
                bridge.console(text)
            elif op == "call":
                counters["calls"] += 1
                if counters["calls"] > limits.max_tool_calls + 1:
                    raise wire.WireError("tool call limit ignored")
                call_id = wire.field(message, "id", int)
                kind = wire.field(message, "kind", str)
                if kind not in ("tools", "skills"):
                    raise wire.WireError(f"unknown call kind {kind!r}")
                name = wire.field(message, "name", str)
                args = wire.field(message, "args", dict)
                task = asyncio.create_task(
                    self._serve_call(writer, bridge, call_id, kind, name, args)
                )
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            elif op == "done":
                error = message.get("error")
                if error is not None:
                    error = {
                        "type": str(wire.field(error, "type", str))[:100],
                        "message": str(wire.field(error, "message", str))[:4000],
                        "line": error.get("line") if isinstance(error.get("line"), int) else None,
                    }
                outcome = {
                    "success": message.get("success") is True,
                    "result": message.get("result"),
                    "error": error,
                }
                if not outcome["success"] and error is None:
                    raise wire.WireError("a failed run must carry an error")
                return make_result(outcome, logs, started, counters["calls"])
            else:
                raise wire.WireError(f"unknown message {op!r}")

    @staticmethod
    async def _serve_call(
        writer: asyncio.StreamWriter,
        bridge: Any,
        call_id: int,
        kind: str,
        name: str,
        args: dict[str, Any],
    ) -> None:
        try:
            value = await bridge.call(kind, name, args)
            reply = {"op": "ret", "id": call_id, "ok": True, "value": value}
            data = wire.encode(reply)
        except BridgeError as exc:
            data = wire.encode(
                {
                    "op": "ret",
                    "id": call_id,
                    "ok": False,
                    "error": {"type": exc.type, "message": exc.message},
                }
            )
        except (TypeError, ValueError) as exc:
            data = wire.encode(
                {
                    "op": "ret",
                    "id": call_id,
                    "ok": False,
                    "error": {
                        "type": "ToolError",
                        "message": f"{name}() returned a non-JSON value: {exc}",
                    },
                }
            )
        if not writer.is_closing():
            writer.write(data)

    async def _crash_result(
        self,
        exit_waiter: asyncio.Future[dict[str, Any]],
        logs: list[str],
        started: float,
        calls: int,
    ) -> ExecutionResult:
        try:
            status = await asyncio.wait_for(exit_waiter, 2.0)
        except asyncio.TimeoutError:
            status = {}
        sig, code = status.get("signal"), status.get("code")
        if sig == signal.SIGXCPU:
            return failure(
                "TimeoutError", "the program used up its CPU time limit", logs, started, calls
            )
        if code == 5:
            return failure(
                "MemoryLimitExceeded", "the program ran out of memory", logs, started, calls
            )
        if sig == signal.SIGSYS:
            return failure(
                "PolicyViolation", "the program made a forbidden system call", logs, started, calls
            )
        what = f"signal {signal.Signals(sig).name}" if sig else f"exit code {code}"
        return failure(
            "SandboxError", f"the sandbox process ended unexpectedly ({what})", logs, started, calls
        )
