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

"Execution" means the call context a driver dispatches the call in: the budget of its
execution scope when the driver opened one (``security.callscope.enter_execution``), else
one per execution identity (its ``request_id``), else one shared by calls without one.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from ..security.callscope import CallScope, bind_call, current_execution
from ..security.callscope import cancelled as cancelled
from ..security.callscope import current_call as current_call
from ..security.context import execution_identity

T = TypeVar("T")

#: Threads of the blocking-tool pool.
DEFAULT_THREADS = 32
#: Blocking calls one execution may have running at once.
DEFAULT_PER_EXECUTION = 4


class _Budget:
    """The calls one execution may have running (a semaphore that can be weakly held)."""

    def __init__(self, size: int) -> None:
        self.slots = asyncio.Semaphore(size)


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
        scope = current_execution()
        if scope is not None:
            if scope.budget is None:
                scope.budget = _Budget(self.per_execution)
            return scope.budget
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
            context.run(bind_call, scope)
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
