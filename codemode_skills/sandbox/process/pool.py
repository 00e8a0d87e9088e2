"""The pool of single-use workers forked by the template (host side).

The template (``template_host``) forks workers on request. A new worker's socket and
pidfd arrive over the control channel (SCM_RIGHTS); the pool wraps the socket in a
``WorkerLink`` and waits for the worker's warm-up before handing it out, so none of that
is on the request path.

Scheduling (F13). ``size`` warm workers are kept waiting. Beyond them the pool forks one
worker per *eligible* waiting request, up to ``max_workers`` processes in all (busy,
idle and being forked): the template can never be asked for more, however many requests
wait, so a burst cannot become a fork bomb. A tenant holds at most ``per_tenant``
workers; its further requests wait without counting as demand, and waiting requests are
served with the tenants taking turns (``scheduler.FairQueue``). A request waits at most
``queue_timeout_s`` and then gets a ``SandboxError`` saying why.

Recovery (F04). A template that exits, or stops answering spawn requests
(``template_timeout_s``), is killed and relaunched in the background; waiting requests
are served by the new one, or fail with a ``SandboxError`` if it cannot start. A
template lost three times in a row without a single worker coming up in between is not
relaunched on its own again: the next request tries, once.

Every task and callback the pool starts runs in an empty ``contextvars.Context``, never
in the context of the request that happened to start or restart it (F07).
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections import deque
from collections.abc import Callable
from typing import Any

from ...errors import SandboxError
from ..jail import protocol
from ..jail.protocol import DEFAULT_WORKER_LIMITS, WorkerLimits
from .link import WorkerLink
from .scheduler import FairQueue, Waiter, default_max_workers
from .template_host import ANSWER_TIMEOUT_S, SandboxGone, TemplateProcess, Worker, detached

#: Workers that fail to come up (or templates lost) in a row before the pool gives up.
MAX_CONSECUTIVE_FAILURES = 3


class WorkerPool:
    """Owns the template process; schedules its workers (see the module docstring).

    ``accept(report)`` is called with each new template's isolation report and may raise
    (e.g. ``IsolationUnavailable``) to refuse it."""

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
        max_workers: int | None = None,
        per_tenant: int | None = None,
        queue_timeout_s: float | None = None,
        template_timeout_s: float = ANSWER_TIMEOUT_S,
        accept: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self.size = size
        self.max_workers = max(size, max_workers or default_max_workers())
        self.layers = layers
        self.restricted = restricted
        self.bwrap = bwrap
        self.start_timeout_s = start_timeout_s
        self.queue_timeout_s = start_timeout_s if queue_timeout_s is None else queue_timeout_s
        self.template_timeout_s = template_timeout_s
        self.max_line = max_line
        self.spin_s = spin_s
        self.accept = accept
        self.report: dict[str, Any] = {}
        #: The limits new workers are forked with: the largest any request has needed.
        self.fork_limits: WorkerLimits = DEFAULT_WORKER_LIMITS
        #: Workers requested from templates so far (for tests and monitoring).
        self.spawned = 0
        self._template: TemplateProcess | None = None
        self._up = False  # the template is ready and its report accepted
        self._launching: asyncio.Task[None] | None = None
        self._idle: deque[Worker] = deque()
        self._queue: FairQueue[Worker] = FairQueue(per_tenant or max(1, self.max_workers // 2))
        self._outstanding = 0  # forks requested from the current template, not yet ready
        self._failures = 0
        self._losses = 0
        self._broken: SandboxError | None = None
        self._exits: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._preparing: set[asyncio.Task[None]] = set()

    @property
    def per_tenant(self) -> int:
        return self._queue.per_tenant

    @property
    def running(self) -> bool:
        return self._up and self._template is not None and self._template.alive

    @property
    def _proc(self) -> Any:
        """The template's process (``Popen``), or None."""
        return self._template.proc if self._template is not None else None

    def stderr_tail(self) -> str:
        return self._template.stderr_tail() if self._template is not None else ""

    # -- the template ---------------------------------------------------------------------
    async def ensure_running(self) -> None:
        """Start the template unless it runs; concurrent callers share one launch, and a
        caller that gives up does not abort it for the others."""
        if self.running:
            return
        self._relaunch()
        assert self._launching is not None
        await asyncio.shield(self._launching)

    def _relaunch(self) -> None:
        if self._launching is None:
            task = asyncio.get_running_loop().create_task(self._launch(), context=detached())
            self._launching = task
            task.add_done_callback(self._launched)

    def _launched(self, task: asyncio.Task[None]) -> None:
        self._launching = None
        if not task.cancelled():
            task.exception()  # retrieved: ensure_running's callers and waiters got it

    async def _launch(self) -> None:
        if self._template is not None:  # it died, and the pool has not heard yet
            self._template.close()
            self._drop_template()
        self._broken, self._failures, self._outstanding, self._up = None, 0, 0, False
        template = TemplateProcess(
            layers=self.layers,
            restricted=self.restricted,
            bwrap=self.bwrap,
            answer_timeout_s=self.template_timeout_s,
            on_message=self._on_message,
            on_gone=self._on_gone,
        )
        self._template = template
        try:
            report = await asyncio.wait_for(asyncio.shield(template.ready), self.start_timeout_s)
            if self.accept is not None:
                self.accept(report)
        except (asyncio.TimeoutError, SandboxGone, SandboxError) as exc:
            tail = template.stderr_tail()
            template.close()
            if self._template is template:
                self._template = None
            error = (
                exc
                if isinstance(exc, SandboxError)
                else SandboxError(f"the sandbox template did not start: {exc}\n{tail}")
            )
            self._fail_waiters(error)
            raise error from None
        self.report = report
        self._up = True
        self._pump()

    def _on_gone(self, reason: str) -> None:
        """The template exited or stopped answering (it is killed already)."""
        if not self._up:
            return  # still starting: ``_launch`` reports it
        self._drop_template()
        self._losses += 1
        if self._losses >= MAX_CONSECUTIVE_FAILURES:
            self._broken = SandboxError(f"{reason}\n(lost {self._losses} times in a row)")
            self._fail_waiters(self._broken)
            return
        self._relaunch()

    def _drop_template(self) -> None:
        """Forget everything that belonged to the template being replaced. Busy workers
        die with it (they run under PDEATHSIG); their executions see the socket close."""
        self._template, self._up, self._outstanding = None, False, 0
        while self._idle:
            self._idle.popleft().close()
        for task in list(self._preparing):
            task.cancel()
        for status in self._exits.values():
            if not status.done():
                status.set_result({})  # nobody is left to report how the worker ended

    def shutdown(self, reason: str = "the sandbox was closed") -> None:
        """Stop the template and every worker; waiting requests fail with ``reason``."""
        if self._launching is not None:
            self._launching.cancel()
        template = self._template
        self._drop_template()
        if template is not None:
            template.close(reason)
        self._fail_waiters(SandboxError(reason))

    def _on_message(self, message: dict[str, Any], fds: list[int]) -> None:
        op = message.get("op")
        if op == protocol.WORKER:
            forked = protocol.forked_worker(message)
            if forked is not None and len(fds) == 2:
                pid, limits = forked
                sock = socket.socket(fileno=fds[0])
                run = self._prepare(pid, sock, fds[1], limits, self._template)
                task = asyncio.get_running_loop().create_task(run, context=detached())
                self._preparing.add(task)
                task.add_done_callback(self._preparing.discard)
                return
            self._outstanding = max(0, self._outstanding - 1)
            self._worker_failed()
        for fd in fds:
            os.close(fd)
        if op == protocol.EXIT:
            status = self._exits.get(message.get("pid"))  # type: ignore[arg-type]
            if status is not None and not status.done():
                status.set_result(message)

    # -- workers --------------------------------------------------------------------------
    async def _prepare(
        self,
        pid: int,
        sock: socket.socket,
        pidfd: int,
        limits: WorkerLimits,
        template: TemplateProcess | None,
    ) -> None:
        """Wait for a new worker's warm-up, then hand it out or keep it idle.
        Whatever goes wrong counts as a failed worker: nothing may leave a waiter hanging."""
        link: WorkerLink | None = None
        try:
            link = WorkerLink(sock, self.max_line, self.spin_s)
            ok = await asyncio.wait_for(asyncio.shield(link.ready), self.start_timeout_s)
        except (Exception, asyncio.CancelledError):
            ok = False
        current = template is self._template and self.running
        if template is self._template:
            self._outstanding = max(0, self._outstanding - 1)
        if link is None:
            sock.close()
            os.close(pidfd)
        else:
            worker = Worker(pid, pidfd, link, limits)
            worker.origin = template
            if ok and current:
                self._failures = self._losses = 0
                link.handler = None  # idle: anything it sends now is a protocol breach
                link.on_close = lambda exc: self._discard_idle(worker)
                self._idle.append(worker)
                self._pump()
                return
            worker.close()
        if current:
            self._worker_failed()

    def _worker_failed(self) -> None:
        """Workers failing in a row mean the template is no good: replace it."""
        self._failures += 1
        if self._failures < MAX_CONSECUTIVE_FAILURES:
            self.refill()
        elif self._template is not None:
            reason = f"{self._failures} sandbox workers in a row failed to start"
            reason += f"\n{self.stderr_tail()}"
            self._template.close(reason)
            self._on_gone(reason)

    def _discard_idle(self, worker: Worker) -> None:
        if worker in self._idle:
            self._idle.remove(worker)
            worker.close()
            self.refill()

    def _fail_waiters(self, exc: SandboxError) -> None:
        for waiter in self._queue.drain():
            if not waiter.future.done():
                waiter.future.set_exception(exc)

    def _pump(self) -> None:
        """Hand idle workers to eligible waiters (tenants taking turns), then fork for
        the demand that is left."""
        while self._idle:
            waiter = self._queue.pop()
            if waiter is None:
                break
            worker = self._idle.popleft()
            self._claim(worker, waiter.tenant)
            waiter.future.set_result(worker)
        self.refill()

    def refill(self) -> None:
        """Fork for the eligible waiters plus ``size`` spares, within ``max_workers``."""
        template = self._template
        if template is None or not self._up or self._broken is not None:
            return
        idle, busy = len(self._idle), self._queue.holding.total()
        wanted = self._queue.eligible() + self.size - idle - self._outstanding
        missing = min(wanted, self.max_workers - busy - idle - self._outstanding)
        if missing > 0 and template.request_workers(missing, self.fork_limits):
            self._outstanding += missing
            self.spawned += missing

    def _claim(self, worker: Worker, tenant: str | None) -> None:
        worker.tenant, worker.held = tenant, True
        self._queue.holding[tenant] += 1
        self._exits[worker.pid] = asyncio.get_running_loop().create_future()

    def _unclaim(self, worker: Worker) -> None:
        if worker.held:
            worker.held = False
            self._queue.holding[worker.tenant] -= 1
            if self._queue.holding[worker.tenant] <= 0:
                del self._queue.holding[worker.tenant]
        self._exits.pop(worker.pid, None)

    def _pop_fitting(self, need: WorkerLimits) -> Worker | None:
        """The first idle worker whose limits can serve ``need``. Workers that cannot (a
        worker can lower its limits but never raise them) are dropped, and from now on
        workers are forked with limits at least as high as ``need``."""
        self.fork_limits = self.fork_limits.covering(need)
        while self._idle:
            worker = self._idle.popleft()
            if worker.fits(need):
                return worker
            worker.close()
            self.refill()
        return None

    def take_nowait(self, need: WorkerLimits, tenant: str | None = None) -> Worker | None:
        """A ready worker if one is waiting and ``tenant`` is under its cap, else None."""
        if not self._idle or self._broken is not None or not self._queue.has_room(tenant):
            return None
        worker = self._pop_fitting(need)
        if worker is not None:
            self._claim(worker, tenant)
        return worker

    async def take(self, need: WorkerLimits, tenant: str | None = None) -> Worker:
        """A worker for ``tenant``, waiting for one (fairly) if needed."""
        if self._broken is not None:
            raise self._broken
        worker = self.take_nowait(need, tenant)
        if worker is not None:
            return worker
        waiter: Waiter[Worker] = Waiter(tenant, asyncio.get_running_loop().create_future())
        self._queue.add(waiter)
        self._pump()
        try:
            async with asyncio.timeout(self.queue_timeout_s):
                worker = await waiter.future
        except BaseException as exc:
            self._queue.remove(waiter)
            future = waiter.future
            if future.done() and not future.cancelled() and future.exception() is None:
                self._give_back(future.result())  # handed over just as we gave up
            if isinstance(exc, TimeoutError):
                raise SandboxError(self._why_waited(tenant)) from None
            raise
        if not worker.fits(need):  # forked before the fork limits rose: try again
            self._unclaim(worker)
            worker.close()
            self.refill()
            return await self.take(need, tenant)
        return worker

    def _why_waited(self, tenant: str | None) -> str:
        waited = f"{self.queue_timeout_s:g} s"
        if not self._queue.has_room(tenant):
            return (
                f"no sandbox worker became free within {waited}: this tenant already "
                f"runs {self.per_tenant} programs at once, its limit"
            )
        return f"no sandbox worker became ready within {waited}"

    def _give_back(self, worker: Worker) -> None:
        """An unused worker returns to the idle queue (for the next in turn)."""
        self._unclaim(worker)
        if worker.link.closed:
            worker.close()
        else:
            self._idle.appendleft(worker)
        self._pump()

    def exit_status(self, worker: Worker) -> asyncio.Future[dict[str, Any]]:
        """Resolves with the template's report of how ``worker`` ended."""
        status = self._exits.get(worker.pid)
        if status is None:
            status = asyncio.get_running_loop().create_future()
            status.set_result({})
        return status

    def release(self, worker: Worker) -> None:
        """Kill and forget a used worker, then serve the next waiter, after the caller
        has its result: neither the kill nor the fork is on the request path."""
        self._unclaim(worker)
        loop = asyncio.get_running_loop()
        loop.call_soon(worker.close, context=detached())
        loop.call_soon(self._pump, context=detached())
