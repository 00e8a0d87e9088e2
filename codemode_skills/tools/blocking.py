"""Where blocking tools run: a bounded thread pool of their own, a cap per execution, and
a cancel flag that tells a running call its program is gone.

A blocking tool (``@tool(blocking=True)``: a sync function that waits on the network or
the disk) cannot run on the event loop. Run in the loop's default executor it would
share that executor with everything else the host does off the loop, storage above all
(``SkillManager``): one program gathering thirty slow fetches held all six threads of a
2-CPU host and another tenant's ``list()`` waited 37 s (F14). So:

- blocking tools run on their own pool (``DEFAULT_THREADS`` threads), never the default
  executor;
- one execution has at most ``DEFAULT_PER_EXECUTION`` calls in that pool at once; its
  further calls wait on the loop (as coroutines, not as queued thread work), so one
  program can take only a small share of the pool;
- a thread cannot be stopped from outside, so when the program ends (its call is
  cancelled) the call's ``CallScope`` is cancelled, and cooperative code stops:
  ``SSRFGuard.fetch`` checks it between reads, and any blocking tool can check
  ``cancelled()`` or sleep with ``current_call().wait(s)``.

"Execution" means the call context a driver dispatches the call in: a fresh budget when
the driver opened one with ``enter_execution()``, else one per execution identity (its
``request_id``), else one budget shared by every call without an identity.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from ..security.context import execution_identity

T = TypeVar("T")

#: Threads of the blocking-tool pool.
DEFAULT_THREADS = 32
#: Blocking calls one execution may have running at once.
DEFAULT_PER_EXECUTION = 4


class CallScope:
    """One blocking call: ``cancelled`` turns true when the program that made it is gone."""

    def __init__(self) -> None:
        self._event = threading.Event()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def cancel(self) -> None:
        self._event.set()

    def wait(self, timeout: float) -> bool:
        """Sleep up to ``timeout`` seconds, waking early on cancellation; True if
        cancelled."""
        return self._event.wait(timeout)


class _Budget:
    """The calls one execution may have running (a semaphore that can be weakly held)."""

    def __init__(self, size: int) -> None:
        self.slots = asyncio.Semaphore(size)


_SCOPE: contextvars.ContextVar[CallScope | None] = contextvars.ContextVar(
    "codemode_skills_blocking_call", default=None
)
_BUDGET: contextvars.ContextVar[_Budget | None] = contextvars.ContextVar(
    "codemode_skills_blocking_budget", default=None
)


def current_call() -> CallScope | None:
    """The blocking call running in this thread (None outside one)."""
    return _SCOPE.get()


def cancelled() -> bool:
    """Whether the program that made the current blocking call is gone."""
    scope = _SCOPE.get()
    return scope is not None and scope.cancelled


def enter_execution() -> None:
    """Give the calls dispatched in the current context a budget of their own. Drivers
    call it once in the context each execution's calls are copied from."""
    _BUDGET.set(_Budget(runner().per_execution))


class BlockingRunner:
    """The pool and the per-execution caps (one per process: see ``runner``)."""

    def __init__(
        self, threads: int = DEFAULT_THREADS, per_execution: int = DEFAULT_PER_EXECUTION
    ) -> None:
        if threads < 1 or per_execution < 1:
            raise ValueError("threads and per_execution must be >= 1")
        self.threads = threads
        self.per_execution = per_execution
        self._executor = ThreadPoolExecutor(threads, thread_name_prefix="codemode-blocking")
        self._budgets: weakref.WeakValueDictionary[Any, _Budget] = weakref.WeakValueDictionary()
        self._lock = threading.Lock()
        self._running = 0

    @property
    def in_flight(self) -> int:
        """Blocking calls running on a thread now (cancelled ones until they return)."""
        return self._running

    def _budget(self) -> _Budget:
        budget = _BUDGET.get()
        if budget is not None:
            return budget
        identity = execution_identity()
        key = (asyncio.get_running_loop(), identity.request_id if identity else None)
        budget = self._budgets.get(key)
        if budget is None:
            budget = self._budgets[key] = _Budget(self.per_execution)
        return budget

    async def run(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` on the pool in a copy of the caller's context, within the caller's
        execution budget; cancelling the caller cancels the call's ``CallScope``."""
        budget = self._budget()  # held (strongly) until this call is done
        async with budget.slots:
            scope = CallScope()
            context = contextvars.copy_context()
            context.run(_SCOPE.set, scope)
            loop = asyncio.get_running_loop()
            try:
                return await loop.run_in_executor(self._executor, context.run, self._call, fn)
            except asyncio.CancelledError:
                scope.cancel()
                raise

    def _call(self, fn: Callable[[], T]) -> T:
        with self._lock:
            self._running += 1
        try:
            return fn()
        finally:
            with self._lock:
                self._running -= 1

    def close(self) -> None:
        """Stop taking calls (running ones finish on their own)."""
        self._executor.shutdown(wait=False, cancel_futures=True)


_RUNNER: BlockingRunner | None = None


def runner() -> BlockingRunner:
    """The process's blocking-tool runner (created on first use)."""
    global _RUNNER
    if _RUNNER is None:
        _RUNNER = BlockingRunner()
    return _RUNNER


def configure(
    *, threads: int = DEFAULT_THREADS, per_execution: int = DEFAULT_PER_EXECUTION
) -> BlockingRunner:
    """Replace the runner's sizes (before tools run: calls in flight keep the old pool)."""
    global _RUNNER
    old, _RUNNER = _RUNNER, BlockingRunner(threads, per_execution)
    if old is not None:
        old.close()
    return _RUNNER
