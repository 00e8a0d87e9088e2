"""``InProcessDriver``: the same language policy, in the host process. TRUSTED CODE ONLY.

For code you trust (your own programs, tests) and environments where a subprocess is
impossible; never for programs written by a model that reads untrusted input, or by
anyone you would not give a shell. It is *weaker* than ``SubprocessDriver`` and documented
as such (docs/security.md, "What InProcessDriver does not protect"): the language policy
is the only barrier, there is no memory limit, a timeout can stop pure Python code but
not a long C-level operation (``10**10**8`` runs to completion on an abandoned thread),
the program shares the host's interpreter (its classes, registries and module state) and
a program that escapes the policy is inside the host: its memory, environment, files and
network, with the host's user.

Each program runs on a thread with its own event loop (threads are reused between runs),
so a CPU-bound program cannot stall the host's loop; tool calls hop back to the host loop.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import ctypes
import json
import threading
import time
from typing import Any, Literal

from .bridge import BridgeError
from .driver import ExecutionRequest
from .jail.policy import (
    builtin_functions,
    facades,
    formatter,
    guards,
    ownership,
    paths,
    queues,
    sysfacade,
    warnfacade,
    weakrefs,
)
from .jail.policy.hardening import freeze, guard_copy
from .jail.policy.modules import ModuleRegistry
from .jail.policy.transformer import CompileFailed
from .jail.policy.warnrouting import ACTIVE as ACTIVE_WARNINGS
from .jail.policy.warnrouting import route_interpreter_warnings
from .jail.runtime import CALL_ERRORS, ProgramRun, SandboxLimit, ToolError, program_visible_classes
from .programs import ProgramCache
from .result import ExecutionResult, compile_failed, failure, make_result


class _Stop(SandboxLimit):
    """Raised asynchronously inside a program thread whose time is up."""


def _interrupt(thread: threading.Thread) -> None:
    if thread.ident is not None:
        ctypes.pythonapi.PyThreadState_SetAsyncExc(
            ctypes.c_ulong(thread.ident), ctypes.py_object(_Stop)
        )


class InProcessDriver:
    """Runs programs on a private thread of the host process: for TRUSTED CODE ONLY.

    Nothing but the language policy stands between a program and the host process (see
    the module docstring and docs/security.md). Use ``SubprocessDriver`` (the default)
    for anything a model writes from untrusted input.
    """

    name = "inprocess"
    #: Always True: this driver is for trusted code (shown in ``isolation`` too).
    trusted_code_only = True

    def __init__(
        self,
        *,
        restricted: bool = True,
        program_cache: ProgramCache | None = None,
        trusted_code_only: Literal[True] = True,
    ) -> None:
        """``trusted_code_only`` states the contract at the call site; it cannot be
        turned off (``False`` raises ``ValueError``: use ``SubprocessDriver``)."""
        if trusted_code_only is not True:
            raise ValueError(
                "InProcessDriver runs programs inside the host process and is for trusted "
                "code only; use SubprocessDriver for untrusted programs"
            )
        guard_copy()
        route_interpreter_warnings()  # the host's warnings keep the host's filters
        _freeze_program_visible()
        self.restricted = restricted
        #: Programs compiled under the policy, reused by later runs (see ``programs``).
        self.programs = program_cache if program_cache is not None else ProgramCache()
        self._idle: list[_ProgramThread] = []

    @property
    def isolation(self) -> dict[str, Any]:
        return {
            "driver": self.name,
            "restricted": self.restricted,
            "trusted_code_only": True,
            "active": ["language-policy"] if self.restricted else [],
            "inactive": {
                "process": "runs in the host process",
                "memory": "no memory limit in-process",
                "os-layers": "no namespaces, Landlock, seccomp or rlimits in-process",
            },
        }

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        while self._idle:
            self._idle.pop().stop()

    async def __aenter__(self) -> InProcessDriver:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def execute(self, request: ExecutionRequest) -> ExecutionResult:
        started = time.perf_counter()
        try:
            compiled = await self.programs.get(
                request.code, restricted=self.restricted, tenant=request.tenant
            )
        except CompileFailed as exc:
            return compile_failed(exc, started)
        host = asyncio.get_running_loop()
        bridge = request.bridge
        logs: list[str] = []
        in_flight: set[Any] = set()
        running = [True]  # False once execute has its outcome

        def console(text: str) -> None:
            if not running[0]:  # a finalizer or __del__ of the program, after its run
                return
            logs.append(text)
            host.call_soon_threadsafe(bridge.console, text)

        async def call(kind: str, name: str, args: dict[str, Any]) -> Any:
            # a JSON round trip: the tool sees plain data, never the program's objects
            try:
                args = json.loads(json.dumps(args))
            except (TypeError, ValueError) as exc:
                raise TypeError(
                    f"arguments to {kind}.{name}() must be JSON values: {exc}"
                ) from None
            # in-process: the host's own token (the bridge still verifies it per call)
            call = bridge.call(kind, name, args, bridge.token)
            # scheduled from inside this execution's call context, so the host task that
            # runs the tool inherits it (not the program thread's or the pool's)
            context = bridge.dispatch_context()
            future = context.run(asyncio.run_coroutine_threadsafe, call, host)
            in_flight.add(future)
            error: ToolError | None = None
            try:
                value = await asyncio.wrap_future(future)
            except BridgeError as exc:
                error = CALL_ERRORS.get(exc.type, ToolError)(exc.message)
            except (TypeError, ValueError, RuntimeError) as exc:
                error = ToolError(f"the call failed ({type(exc).__name__})")
            finally:
                in_flight.discard(future)
            if error is not None:
                # raised outside the handler: no __context__ leading to host exceptions
                # (and whatever they hold: requests, headers, the host's own objects)
                raise error
            return json.loads(json.dumps(value))

        registry = ModuleRegistry()  # fresh facades: nothing leaks between runs
        run = ProgramRun(
            registry=registry,
            call=call,
            console=console,
            tool_names=bridge.tool_names,
            skill_names=bridge.skill_names,
            limits=request.limits,
            extra_globals=json.loads(json.dumps(request.globals)) if request.globals else None,
            restricted=self.restricted,
        )
        worker = self._idle.pop() if self._idle else _ProgramThread()
        # the program's task inherits the context it is submitted from: in it, warnings
        # the interpreter raises are the program's (warnrouting), not the host's
        context = contextvars.copy_context()
        context.run(ACTIVE_WARNINGS.set, registry.warnings)
        program = run.run(compiled.code if compiled is not None else request.code)
        future = context.run(worker.submit, program)
        try:
            outcome = await asyncio.wait_for(asyncio.wrap_future(future), request.timeout_s)
        except asyncio.TimeoutError:
            # wake a program that is waiting (cancel), stop one that is computing (async
            # exception), drop the host side of its tool calls, and never reuse the thread
            for pending in list(in_flight):
                pending.cancel()
            future.cancel()
            _interrupt(worker.thread)
            worker.stop()
            return failure(
                "TimeoutError",
                f"the program did not finish within {request.timeout_s:g} s and was stopped",
                logs,
                started,
                run.tool_calls,
            )
        finally:
            running[0] = False
        self._idle.append(worker)
        if outcome.get("success"):
            outcome = {"success": True, "result": json.loads(outcome["result_json"]), "error": None}
        return make_result(outcome, logs, started, run.tool_calls)


class _ProgramThread:
    """A thread with an event loop of its own, running programs one at a time. Threads
    are reused between executions (starting a thread and a loop is most of the cost of a
    short run); one whose program timed out is never reused."""

    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop = _ProgramLoop()
        self.thread = threading.Thread(target=self._main, name="codemode-inprocess", daemon=True)
        self.thread.start()

    def _main(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_forever()
        except BaseException:  # an interrupt that landed outside a program
            pass
        finally:
            self.loop.close()

    def submit(self, coro: Any) -> concurrent.futures.Future[Any]:
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def stop(self) -> None:
        try:
            self.loop.call_soon_threadsafe(self.loop.stop)
        except RuntimeError:  # already closed
            pass


def _freeze_program_visible() -> None:
    """The sandbox's classes a program can reach are shared by every execution in this
    process: make them immutable (stdlib classes stay as they are: they are the host's)."""
    freeze(
        guards.PolicyViolation,
        guards.AttributePolicyViolation,
        guards.ModulePolicyViolation,
        builtin_functions.BuiltinFunction,
        ownership.SafeModule,
        formatter.SafeFormatter,
        facades.cached_property,
        facades.redirect_stdout,
        facades.redirect_stderr,
        sysfacade.SysModule,
        sysfacade.TextStream,
        *queues.PROGRAM_VISIBLE,
        *paths.CLASSES,
        *warnfacade.PROGRAM_VISIBLE,
        *weakrefs.PROGRAM_VISIBLE,
        _Stop,
        *program_visible_classes(),
    )


class _ProgramLoop(asyncio.SelectorEventLoop):
    """The program thread's event loop, without the methods that reach the operating
    system. A program cannot reach its loop (``get_loop`` and private attributes are
    refused, loops are refused as values); should it anyway, this loop starts no
    process, opens no socket, resolves no name and starts no thread in the host."""


def _refused(name: str) -> Any:
    def refused(self: Any, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError(f"loop.{name}() is not available to sandboxed programs")

    refused.__name__ = name
    return refused


for _name in (
    "subprocess_exec subprocess_shell create_connection create_server "
    "create_unix_connection create_unix_server create_datagram_endpoint "
    "connect_accepted_socket connect_read_pipe connect_write_pipe sock_recv "
    "sock_recv_into sock_recvfrom sock_recvfrom_into sock_sendall sock_sendto "
    "sock_connect sock_accept sock_sendfile sendfile start_tls getaddrinfo getnameinfo "
    "run_in_executor set_default_executor add_reader add_writer add_signal_handler"
).split():
    setattr(_ProgramLoop, _name, _refused(_name))
