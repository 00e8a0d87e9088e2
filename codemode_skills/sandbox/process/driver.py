"""``SubprocessDriver``: every program in a pristine, locked-down, single-use process.

Host side. A template process (``jail/template``, handled by ``template_host``) is
started once with ``python -I`` and an empty environment; it forks workers ahead of
demand (``pool``), so a warmed-up worker waits for the next ``execute`` and the fork is
off the request path. A worker runs one program (``conversation``) and is killed
afterwards, whatever happened.
"""

from __future__ import annotations

import asyncio
import json
import signal
import time
from collections.abc import Iterable
from typing import Any

from ...errors import IsolationUnavailable, SandboxError
from ..driver import ExecutionRequest
from ..jail import wire
from ..jail.policy.transformer import CompileFailed
from ..jail.protocol import EXIT_OUT_OF_MEMORY, WorkerLimits, default_spin_s
from ..programs import ProgramCache
from ..result import ExecutionResult, compile_failed, failure, make_result
from .conversation import Conversation, LogFlood, WorkerCrashed
from .link import LineTooLong
from .pool import WorkerPool
from .template_host import ANSWER_TIMEOUT_S, Worker

LAYERS = ("uid", "namespaces", "network", "landlock", "seccomp", "rlimits")
#: How long a crashed run waits for the template's word on how its worker ended.
CRASH_REPORT_TIMEOUT_S = 2.0


class SubprocessDriver:
    """The default driver. See docs/security.md for what each layer guarantees.

    Args:
        pool_size: workers kept forked, warmed up and waiting.
        require: layers that must be active, else ``start`` raises ``IsolationUnavailable``.
        strict: require every layer.
        restricted: apply the language policy (default). ``False`` runs plain Python
            inside the OS layers only: for trusted code that needs all of Python.
        layers: turn individual layers off (``{"landlock": False}``), for diagnosis.
        bwrap: also wrap the template in bubblewrap (``True`` finds ``bwrap`` on PATH, a
            string is its path): a private mount namespace with only the Python
            installation visible, read-only, and a PID namespace. Raises
            ``IsolationUnavailable`` at start when bubblewrap is not installed.
        max_message_bytes: the largest line a worker may send.
        spin_us: how long the host polls a running worker for its next message before
            yielding to the event loop (only when the loop has nothing else ready).
            ``None`` picks 500 µs on a multi-CPU machine and 0 on a single CPU.
        program_cache: where programs compiled on the host are kept (default: a
            ``ProgramCache()`` of this driver's own; ``ProgramCache(max_entries=0)``
            compiles every time).
        max_workers: worker processes at most, busy, idle and being forked together
            (default: four per CPU, between 4 and 32). Beyond ``pool_size`` spares, one
            worker is forked per waiting request, up to this cap.
        max_per_tenant: programs one tenant may run at once (default: half of
            ``max_workers``); its further requests wait, without holding a worker or
            making the pool fork, and waiting requests are served with the tenants
            taking turns. Requests without an ``ExecutionContext`` count as one tenant.
        queue_timeout_s: how long a request waits for a worker before it fails with
            ``SandboxError`` (default: ``start_timeout_s``).
        template_timeout_s: how long the template may leave requests for workers
            unanswered before it is considered stopped, killed and relaunched (the
            programs its workers run end with it).
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
        max_message_bytes: int = 8 * 1024 * 1024,
        spin_us: float | None = None,
        program_cache: ProgramCache | None = None,
        max_workers: int | None = None,
        max_per_tenant: int | None = None,
        queue_timeout_s: float | None = None,
        template_timeout_s: float = ANSWER_TIMEOUT_S,
    ) -> None:
        self.require = set(LAYERS if strict else require)
        unknown = self.require - set(LAYERS)
        if unknown:
            raise ValueError(f"unknown isolation layers {sorted(unknown)}; known: {LAYERS}")
        self.restricted = restricted
        self.bwrap = bwrap
        chosen = {k: True for k in ("uid", "namespaces", "landlock", "seccomp")}
        chosen.update(layers or {})
        spin_s = default_spin_s() if spin_us is None else max(0.0, spin_us) / 1e6
        self._pool = WorkerPool(
            size=max(1, pool_size),
            layers=chosen,
            restricted=restricted,
            bwrap=bwrap,
            start_timeout_s=start_timeout_s,
            max_line=max_message_bytes,
            spin_s=spin_s,
            max_workers=max_workers,
            per_tenant=max_per_tenant,
            queue_timeout_s=queue_timeout_s,
            template_timeout_s=template_timeout_s,
            accept=self._accept,
        )
        #: Programs compiled on the host under the policy (see ``programs``).
        self.programs = program_cache if program_cache is not None else ProgramCache()
        self._isolation: dict[str, Any] = {}
        self._native_stores = False  # until a template reports frozen classes

    @property
    def pool_size(self) -> int:
        return self._pool.size

    @property
    def isolation(self) -> dict[str, Any]:
        """The layers the running template reported, and a summary ``active`` list."""
        return dict(self._isolation)

    @property
    def native_stores(self) -> bool:
        """Whether programs are compiled with native public attribute stores (a worker is
        the program's own process and its template froze the shared classes)."""
        return self._native_stores

    @property
    def max_workers(self) -> int:
        return self._pool.max_workers

    @property
    def max_per_tenant(self) -> int:
        return self._pool.per_tenant

    async def start(self) -> None:
        """Start the template (also after it was lost; concurrent callers share one
        launch). It is started in an empty context, whoever calls."""
        await self._pool.ensure_running()

    def _accept(self, report: dict[str, Any]) -> None:
        """Check each new template's report (a relaunched one too) against ``require``."""
        isolation = self._summarize(report)
        missing = sorted(set(self.require) - set(isolation["active"]))
        if missing:
            raise IsolationUnavailable(
                f"required isolation layers are not available: {missing}; "
                f"report: {json.dumps(isolation)}"
            )
        self._isolation = isolation
        # a worker runs one program in a process of its own; with the shared classes
        # frozen there, public attribute stores need no check (compile_program)
        self._native_stores = bool(report.get("frozen_classes", {}).get("active"))

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
        self._pool.shutdown()

    async def __aenter__(self) -> SubprocessDriver:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- one execution ------------------------------------------------------------------
    async def execute(self, request: ExecutionRequest) -> ExecutionResult:
        started = time.perf_counter()
        try:
            compiled = await self.programs.get(
                request.code,
                restricted=self.restricted,
                tenant=request.tenant,
                isolated=self.native_stores,
            )
        except CompileFailed as exc:  # refused without taking a worker
            return compile_failed(exc, started)
        program = compiled.blob if compiled is not None else request.code
        need, tenant = WorkerLimits.for_run(request.memory_mb, request.timeout_s), request.tenant
        for retry in (True, False):
            try:
                worker = self._pool.take_nowait(need, tenant)
                if worker is None:
                    await self.start()
                    worker = await self._pool.take(need, tenant)
            except SandboxError as exc:
                return failure("SandboxError", str(exc), [], started)
            result = await self._run(worker, request, need, program, started, retry)
            if result is not None:
                return result
        raise AssertionError("unreachable: the second attempt always has a result")

    async def _run(
        self,
        worker: Worker,
        request: ExecutionRequest,
        need: WorkerLimits,
        program: str | bytes,
        started: float,
        retry: bool,
    ) -> ExecutionResult | None:
        """One attempt on ``worker``. None: the worker died with its template before the
        program did anything the host saw (no call, no log), so running it again on a
        fresh worker is invisible; that happens once at most."""
        loop = asyncio.get_running_loop()
        conversation = Conversation(worker, request, need, self.restricted, program)
        timed_out = False

        def on_timeout() -> None:  # the wall clock: kill; the conversation then sees EOF
            nonlocal timed_out
            timed_out = True
            worker.kill()

        timer = loop.call_later(request.timeout_s, on_timeout)
        logs = conversation.logs
        try:
            conversation.start()
            outcome = await conversation.outcome
            return make_result(outcome, logs, started, conversation.calls)
        except WorkerCrashed:
            if timed_out:
                message = (
                    f"the program did not finish within {request.timeout_s:g} s and was stopped"
                )
                return failure("TimeoutError", message, logs, started, conversation.calls)
            if retry and not conversation.calls and not logs and worker.orphaned:
                return None
            return await self._crash(worker, logs, started, conversation.calls)
        except (LineTooLong, LogFlood):
            message = "the program sent output over the size limit"
            return failure("OutputLimitExceeded", message, logs, started, conversation.calls)
        except Exception as exc:  # a protocol breach (wire.WireError) or worse
            detail = str(exc) if isinstance(exc, wire.WireError) else type(exc).__name__
            message = f"the sandbox broke protocol: {detail}"
            return failure("SandboxError", message, logs, started, conversation.calls)
        finally:
            timer.cancel()
            conversation.stop()
            self._pool.release(worker)

    async def _crash(
        self, worker: Worker, logs: list[str], started: float, calls: int
    ) -> ExecutionResult:
        status_of = asyncio.shield(self._pool.exit_status(worker))
        try:  # the template reports the exit within milliseconds; don't wait on a dead one
            status = await asyncio.wait_for(status_of, CRASH_REPORT_TIMEOUT_S)
        except asyncio.TimeoutError:
            status = {}
        sig, code = status.get("signal"), status.get("code")
        if sig == signal.SIGXCPU:
            type_, message = "TimeoutError", "the program used up its CPU time limit"
        elif code == EXIT_OUT_OF_MEMORY:
            type_, message = "MemoryLimitExceeded", "the program exceeded its memory limit"
        elif sig == signal.SIGSYS:
            type_, message = "PolicyViolation", "the program made a forbidden system call"
        else:
            what = f" (signal {signal.Signals(sig).name})" if sig else ""
            what = f" (exit code {code})" if code is not None and not sig else what
            type_, message = "SandboxError", f"the sandbox process ended unexpectedly{what}"
        return failure(type_, message, logs, started, calls)
