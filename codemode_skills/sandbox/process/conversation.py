"""One execution's exchange with a worker (host side).

Every line the worker sends is untrusted: it is parsed strictly, each field is checked,
and the caps are enforced here on the host's own count, not on the worker's word: log
bytes (measured as the worker measures them), log messages (an empty ``print(end='')``
is a message too), tool calls and the size of the result. A worker that ignores its
caps is killed; anything unexpected ends the run with ``SandboxError``. Tool calls to inline tools
(fast sync functions) are answered straight from the socket callback; the others run as
their own tasks so calls gathered by the program overlap on the host.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from ..bridge import BridgeError
from ..driver import ExecutionRequest
from ..jail import wire
from ..jail.protocol import WorkerLimits, current_cpu
from ..jail.runtime import scrub
from .template_host import Worker

#: After sending a program, poll this many times longer than between messages: a short
#: program answers within a fraction of a millisecond.
START_SPIN_FACTOR = 3


class WorkerCrashed(Exception):
    """The worker's socket closed before it reported a result."""


class LogFlood(Exception):
    """The worker kept sending logs past the cap."""


#: What an error type reported by a worker may look like (a class name).
_ERROR_TYPE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

#: Log messages allowed beyond one per byte of the log cap: only empty messages can
#: exceed the byte cap's count, and an honest worker sends none.
SPARE_LOG_MESSAGES = 1000


class Conversation:
    """``program`` (source, or the marshalled code compiled on the host) runs on
    ``worker`` under ``need`` (what the worker lowers its limits to)."""

    def __init__(
        self,
        worker: Worker,
        request: ExecutionRequest,
        need: WorkerLimits,
        restricted: bool,
        program: str | bytes,
    ) -> None:
        self.worker = worker
        self.need = need
        self.program = program
        self.link = worker.link
        self.request = request
        self.restricted = restricted
        self.logs: list[str] = []
        self.calls = 0
        self._log_bytes = 0
        self._log_messages = 0
        self._result_size = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self.outcome: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.link.handler = self.on_line
        self.link.on_close = self.on_close
        if self.link.closed:  # died while it waited in the pool
            self.outcome.set_exception(WorkerCrashed())

    def start(self) -> None:
        request, limits = self.request, self.request.limits
        message = wire.run_message(
            self.program,
            tools=request.bridge.tool_names,
            skills=request.bridge.skill_names,
            limits=(limits.max_log_bytes, limits.max_result_bytes, limits.max_tool_calls),
            memory_mb=self.need.memory_mb,
            cpu_s=self.need.cpu_s,
            restricted=self.restricted,
            globals_=request.globals,
            token=request.bridge.token,
        )
        self.link.write(message)
        self.link.spin(self.link.spin_s * START_SPIN_FACTOR, yield_cpu=True)

    def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        self.link.handler = None
        self.link.on_close = None

    # -- from the worker ------------------------------------------------------------------
    def on_close(self, exc: Exception | None) -> None:
        if not self.outcome.done():
            self.outcome.set_exception(exc or WorkerCrashed())

    def on_line(self, line: bytes) -> None:
        self._result_size = len(line)  # an upper bound on a "done" line's result
        try:
            self._dispatch(wire.decode(line))
        except (wire.WireError, LogFlood) as exc:
            self.link.fail(exc)

    def _dispatch(self, message: dict[str, Any]) -> None:
        op = message["op"]
        limits = self.request.limits
        if op == "log":
            text = wire.field(message, "text", str)
            self._log_messages += 1
            if self._log_messages > limits.max_log_bytes + SPARE_LOG_MESSAGES:
                raise LogFlood("log flood")
            if not text:
                return
            self._log_bytes += len(text.encode("utf-8", "replace"))
            if self._log_bytes > limits.max_log_bytes:
                raise LogFlood("log flood")
            self.logs.append(text)
            self.request.bridge.console(text)
        elif op == "call":
            self.calls += 1
            # an honest worker refuses calls over the cap itself (ToolCallLimitExceeded)
            # and never sends them; the + 1 is a margin, not something it uses
            if self.calls > limits.max_tool_calls + 1:
                raise wire.WireError("the tool call limit was ignored")
            self._call(message)
        elif op == "done":
            self._done(message)
        else:
            raise wire.WireError(f"unknown message {op!r}")

    def _call(self, message: dict[str, Any]) -> None:
        call_id = wire.field(message, "id", int)
        kind = wire.field(message, "kind", str)
        if kind not in ("tools", "skills"):
            raise wire.WireError(f"unknown call kind {kind!r}")
        name = wire.field(message, "name", str)
        args = wire.field(message, "args", dict)
        token = message.get("token")
        if token is not None and not isinstance(token, str):
            raise wire.WireError("message field 'token' has the wrong type")
        bridge = self.request.bridge
        # Calls arrive on the socket callback, whose context is whatever request
        # registered it: each runs in this execution's own context instead.
        context = bridge.dispatch_context()
        if bridge.can_inline(kind, name):
            try:
                value = context.run(bridge.call_inline, kind, name, args, token)
            except BridgeError as exc:
                self._reply(call_id, False, {"type": exc.type, "message": exc.message})
            else:
                self._reply(call_id, True, value)
            return
        serve = self._serve(call_id, kind, name, args, token)
        task = asyncio.get_running_loop().create_task(serve, context=context)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _serve(
        self, call_id: int, kind: str, name: str, args: dict[str, Any], token: str | None
    ) -> None:
        try:
            value = await self.request.bridge.call(kind, name, args, token)
        except BridgeError as exc:
            self._reply(call_id, False, {"type": exc.type, "message": exc.message})
        else:
            self._reply(call_id, True, value)

    def _reply(self, call_id: int, ok: bool, payload: Any) -> None:
        try:
            if ok:
                data = wire.ok_line(call_id, payload, current_cpu() if self.link.spin_s else -1)
            else:
                data = wire.encode({"op": "ret", "id": call_id, "ok": False, "error": payload})
        except (TypeError, ValueError) as exc:
            error = {"type": "ToolError", "message": f"the tool returned a non-JSON value: {exc}"}
            data = wire.encode({"op": "ret", "id": call_id, "ok": False, "error": error})
        self.link.write(data)

    def _done(self, message: dict[str, Any]) -> None:
        error = message.get("error")
        if error is not None:
            if not isinstance(error, dict):
                raise wire.WireError("malformed error")
            line = error.get("line")
            type_ = wire.field(error, "type", str)[:100]  # a class name, not an essay
            error = {
                # a program names its own exception classes: keep the name only if it
                # reads as one, and scrub the message again (the worker's word is not
                # taken for it)
                "type": type_ if _ERROR_TYPE.fullmatch(type_) else "Exception",
                # bounded before the scrub's regex runs on it, and again after
                "message": scrub(wire.field(error, "message", str)[:4000], 4000),
                "line": line if isinstance(line, int) and not isinstance(line, bool) else None,
            }
        success = message.get("success") is True
        if not success and error is None:
            raise wire.WireError("a failed run must carry an error")
        result = message.get("result") if success else None
        cap = self.request.limits.max_result_bytes
        if success and self._result_size > cap:
            size = len(wire.ENCODER.encode(result))  # exact, as the worker counts it
            if size > cap:
                success, result = False, None
                error = {
                    "type": "OutputLimitExceeded",
                    "message": f"the result is {size} bytes; the limit is {cap}",
                    "line": None,
                }
        self.link.handler = None  # nothing may follow "done" (and the host stops polling)
        if not self.outcome.done():
            self.outcome.set_result({"success": success, "result": result, "error": error})
