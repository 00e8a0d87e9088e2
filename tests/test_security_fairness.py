"""Fair under abuse: one tenant cannot stop the others (F13, F14, the pool half of F04
and F07).

Each test runs the attack the way it was reported and then asserts that another tenant
is still served promptly. The bounds are generous on purpose (a busy 2-CPU machine):
they separate "served at once" from "served when the attacker's programs time out".
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import os
import select
import signal
import socketserver
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from codemode_skills import ExecutionContext, SubprocessDriver, create_code_mode, tool, use_context
from codemode_skills.sandbox.process.scheduler import FairQueue, Waiter
from codemode_skills.security import SSRFGuard
from codemode_skills.security.context import current_context
from codemode_skills.security.ssrf import FetchTimeout
from codemode_skills.skills import SkillManager
from codemode_skills.storage.memory import MemorySkillStorage
from codemode_skills.tools import blocking

HANG = "import asyncio\nawait asyncio.sleep(10**6)"
MALLORY = ExecutionContext(tenant="mallory", user="m")
GLOBEX = ExecutionContext(tenant="globex", user="g")
ADMIN = ExecutionContext(tenant="acme", user="admin", scopes=frozenset({"payments"}))
CAROL = ExecutionContext(tenant="globex", user="carol")
#: "Promptly" for another tenant: today a burst delays it ~60 s; unloaded it takes ms.
VICTIM_BOUND_S = 10.0


async def _until(condition: Callable[[], bool], what: str, deadline_s: float = 60) -> None:
    """Wait for evidence (polling), with a generous deadline."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + deadline_s
    while not condition():
        if loop.time() > deadline:
            pytest.fail(f"{what} (waited {deadline_s:g} s)")
        await asyncio.sleep(0.02)


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for path in glob.glob(f"/proc/{pid}/task/*/children"):
        with open(path) as f:
            found += [int(p) for p in f.read().split()]
    return found


async def _timed(coro: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    result = await coro
    return result, time.perf_counter() - started


async def _stop(tasks: list[asyncio.Task[Any]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


# -- F13: scheduling --------------------------------------------------------------------
async def test_a_burst_of_hanging_programs_does_not_delay_another_tenant() -> None:
    cm = create_code_mode([], driver=SubprocessDriver())
    pool = cm.driver._pool  # type: ignore[attr-defined]
    await cm.start()
    hogs = [asyncio.create_task(cm.execute(HANG, timeout_s=30, context=MALLORY)) for _ in range(12)]
    try:
        cap = cm.driver.max_per_tenant  # type: ignore[attr-defined]
        await _until(lambda: pool._queue.holding["mallory"] == cap, "mallory's burst ran")
        victims = [cm.execute("return 1", context=GLOBEX) for _ in range(3)]
        done = await asyncio.gather(*(_timed(v) for v in victims))
        print(f"\nF13 victim latency under the burst: {max(t for _, t in done):.3f} s")
        assert all(r.success and r.result == 1 for r, _ in done), done
        assert max(t for _, t in done) < VICTIM_BOUND_S
        assert pool._queue.holding["mallory"] == cap  # the rest of the burst waits
    finally:
        await _stop(hogs)
        await cm.close()


async def test_a_capped_tenants_waiting_requests_hold_no_workers() -> None:
    """Many waiters never fork past ``max_workers`` (no fork bomb), and the ones of a
    tenant at its cap make the pool fork nothing."""
    driver = SubprocessDriver(max_workers=3, max_per_tenant=1)
    cm = create_code_mode([], driver=driver)
    await cm.start()
    template = driver._pool._proc.pid
    tenants = [ExecutionContext(tenant=f"t{i}") for i in range(20)]
    hogs = [
        asyncio.create_task(cm.execute(HANG, timeout_s=30, context=tenant))
        for tenant in tenants
        for _ in range(2)
    ]
    try:
        await _until(lambda: driver._pool._queue.holding.total() == 3, "three ran")
        samples = []
        for _ in range(20):  # sampling while 37 requests wait; not waiting for an event
            samples.append(len(_children(template)))
            await asyncio.sleep(0.05)
        assert max(samples) <= 3, samples
        assert driver._pool.spawned <= 3
        assert all(n <= 1 for n in driver._pool._queue.holding.values())
    finally:
        await _stop(hogs)
    await _until(lambda: len(_children(template)) <= 1, "the cancelled programs' workers ended")
    assert (await cm.execute("return 1", context=GLOBEX)).result == 1
    await cm.close()


async def test_tenants_take_turns_when_workers_are_scarce() -> None:
    driver = SubprocessDriver(max_workers=2, max_per_tenant=2)
    cm = create_code_mode([], driver=driver)
    await cm.start()
    hogs = [asyncio.create_task(cm.execute(HANG, timeout_s=3, context=MALLORY)) for _ in range(6)]
    try:
        await _until(lambda: len(driver._pool._queue) == 4, "mallory's burst queued")
        victim, took = await _timed(cm.execute("return 1", context=GLOBEX))
        assert victim.result == 1
        # served when the first of mallory's programs timed out, before her queued four
        assert sum(h.done() for h in hogs) <= 2, "globex waited behind mallory's queue"
        assert took < 3 + VICTIM_BOUND_S
    finally:
        await _stop(hogs)
        await cm.close()


async def test_a_tenant_over_its_cap_gets_a_clear_busy_error_after_waiting() -> None:
    driver = SubprocessDriver(max_per_tenant=1, queue_timeout_s=1)
    cm = create_code_mode([], driver=driver)
    hog = asyncio.create_task(cm.execute(HANG, timeout_s=30, context=MALLORY))
    try:
        await _until(lambda: driver._pool._queue.holding["mallory"] == 1, "mallory's hog ran")
        refused = await cm.execute("return 1", context=MALLORY)
        assert refused.error is not None and refused.error.type == "SandboxError"
        assert "1 programs at once, its limit" in refused.error.message
        assert (await cm.execute("return 1", context=GLOBEX)).result == 1
    finally:
        await _stop([hog])
        await cm.close()


def test_the_queue_prefers_the_tenant_holding_the_fewest_workers() -> None:
    loop = asyncio.new_event_loop()
    try:
        queue: FairQueue[int] = FairQueue(per_tenant=2)
        waiters = [Waiter(t, loop.create_future()) for t in "aaaab"]
        for waiter in waiters:
            queue.add(waiter)
        order = []
        while (waiter := queue.pop()) is not None:
            order.append(waiter.tenant)
            queue.holding[waiter.tenant] += 1
        assert order == ["a", "b", "a"]  # then "a" is at its cap of 2
        assert queue.eligible() == 0 and len(queue) == 2
        queue.holding["a"] -= 1
        assert queue.eligible() == 1 and queue.pop() is waiters[2]
    finally:
        loop.close()


# -- F04 (pool half): the watchdog ------------------------------------------------------
@pytest.mark.parametrize("sig", [signal.SIGSTOP, signal.SIGKILL])
async def test_a_stopped_or_killed_template_is_replaced(sig: signal.Signals) -> None:
    driver = SubprocessDriver(template_timeout_s=2)
    cm = create_code_mode([], driver=driver)
    try:
        assert (await cm.execute("return 1", context=GLOBEX)).result == 1
        old = driver._pool._proc.pid
        os.kill(old, sig)
        started = time.perf_counter()
        later = await asyncio.gather(*(cm.execute("return 2", context=GLOBEX) for _ in range(3)))
        again = await cm.execute("return 3", context=GLOBEX)
        took = time.perf_counter() - started
        print(f"\nwatchdog recovery after {sig.name}: {took:.2f} s")
        assert [r.result for r in later] == [2, 2, 2], [r.error for r in later]
        assert again.result == 3
        assert driver._pool._proc.pid != old
        assert took < 2 + 30
        with pytest.raises(ProcessLookupError):  # killed and collected, not left stopped
            os.kill(old, 0)
    finally:
        await cm.close()


# -- F07 (pool half): nothing the pool starts carries a request's identity --------------
@tool
async def whoami() -> dict[str, Any]:
    """The identity this call runs with."""
    ctx = current_context()
    return {"tenant": ctx.tenant, "user": ctx.user} if ctx else {}


@tool(blocking=True)
def whoami_blocking() -> dict[str, Any]:
    """The same, from the blocking-tool pool."""
    ctx = current_context()
    return {"tenant": ctx.tenant, "user": ctx.user} if ctx else {}


async def test_pool_callbacks_do_not_inherit_the_starting_requests_context() -> None:
    driver = SubprocessDriver(template_timeout_s=2)
    pool = driver._pool
    seen: list[Any] = []
    on_message, prepare = pool._on_message, pool._prepare

    def spy_message(message: dict[str, Any], fds: list[int]) -> None:
        seen.append(current_context())
        on_message(message, fds)

    async def spy_prepare(*args: Any) -> None:
        seen.append(current_context())
        await prepare(*args)

    pool._on_message, pool._prepare = spy_message, spy_prepare  # type: ignore[method-assign]
    cm = create_code_mode([whoami], driver=driver)
    try:
        with use_context(ADMIN):  # admin's request starts the driver ...
            assert (await cm.execute("return 1")).result == 1
        await cm.execute("return 1")
        await driver.close()
        with use_context(ADMIN):  # ... and, later, restarts it
            assert (await cm.execute("return 1")).result == 1
        os.kill(driver._pool._proc.pid, signal.SIGKILL)  # relaunched in the background
        with use_context(ADMIN):
            assert (await cm.execute("return 2")).result == 2
        assert len(seen) >= 6 and set(seen) == {None}, seen
    finally:
        await cm.close()


async def test_tools_act_for_the_caller_not_for_who_started_the_driver() -> None:
    """End to end (needs the per-call dispatch of sandbox/process/conversation.py too)."""
    cm = create_code_mode([whoami, whoami_blocking], driver=SubprocessDriver())
    program = (
        "import asyncio\nawait asyncio.sleep(0.05)\n"
        "return [await tools.whoami(), await tools.whoami_blocking()]"
    )
    try:
        with use_context(ADMIN):
            assert (await cm.execute("return 1")).result == 1
        carol, nobody = await asyncio.gather(
            cm.execute(program, context=CAROL), cm.execute(program)
        )
        assert carol.result == [{"tenant": "globex", "user": "carol"}] * 2, carol
        assert nobody.result == [{}, {}], nobody
    finally:
        await cm.close()


# -- F14: fetch deadlines and the blocking-tool pool ------------------------------------
class Dribble(socketserver.ThreadingTCPServer):
    """Answers every request one byte a second (``status_first``: even the status line),
    until the client goes away; counts the connections open now."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, status_first: bool = False) -> None:
        self.open = 0
        self.most = 0
        self.lock = threading.Lock()
        self.status_first = status_first
        super().__init__(("127.0.0.1", 0), self.Handler)

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            server: Dribble = self.server  # type: ignore[assignment]
            with server.lock:
                server.open += 1
                server.most = max(server.most, server.open)
            try:
                self.request.recv(65536)
                if server.status_first:
                    head, payload = b"", b"HTTP/1.1 200 OK\r\n"
                else:
                    head, payload = (
                        b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n",
                        b"x" * 100000,
                    )
                self.request.sendall(head)
                for byte in payload:
                    readable, _, _ = select.select([self.request], [], [], 1.0)
                    if readable and not self.request.recv(1):
                        return  # the client closed
                    self.request.sendall(bytes([byte]))
            except OSError:
                return
            finally:
                with server.lock:
                    server.open -= 1


@contextlib.contextmanager
def _serving(server: Dribble) -> Iterator[Dribble]:
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def dribble() -> Iterator[Dribble]:
    with _serving(Dribble()) as server:
        yield server


@pytest.mark.parametrize("status_first", [False, True])
def test_a_dribbling_fetch_ends_at_its_deadline(status_first: bool) -> None:
    with _serving(Dribble(status_first=status_first)) as server:
        guard = SSRFGuard(allow=["127.0.0.0/8"], deadline_s=2, timeout_s=10)
        started = time.monotonic()
        with pytest.raises(FetchTimeout):
            guard.fetch(f"http://127.0.0.1:{server.server_address[1]}/")
        assert time.monotonic() - started < 2 + 3


async def test_slow_fetches_neither_starve_storage_nor_outlive_their_program(
    dribble: Dribble,
) -> None:
    guard = SSRFGuard(allow=["127.0.0.0/8"], deadline_s=60, timeout_s=10)

    @tool(blocking=True)
    def fetch(url: str) -> int:
        """Fetch a URL."""
        return len(guard.fetch(url))

    cm = create_code_mode([fetch], driver=SubprocessDriver())
    url = f"http://127.0.0.1:{dribble.server_address[1]}/"
    program = (
        f"import asyncio\nawait asyncio.gather(*(tools.fetch(url={url!r}) for _ in range(30)))"
    )
    runner = blocking.runner()
    try:
        attack = asyncio.create_task(cm.execute(program, timeout_s=6, context=MALLORY))
        await _until(lambda: dribble.open >= runner.per_execution, "the fetches started")
        manager = SkillManager(MemorySkillStorage(tenant="globex"), code_mode=cm, identity=GLOBEX)
        for _ in range(3):
            listed, took = await _timed(manager.list())
            print(f"\nF14 another tenant's list() during 30 slow fetches: {took:.3f} s")
            assert listed == [] and took < 2.0
        assert dribble.most <= runner.per_execution  # one execution's share of the pool
        result = await attack
        assert result.error is not None and result.error.type == "TimeoutError"
        killed = time.perf_counter()
        # the running fetches stop with their program, long before their 60 s deadline
        await _until(lambda: runner.in_flight == 0 and dribble.open == 0, "fetches ended", 10)
        print(f"F14 fetch threads ended {time.perf_counter() - killed:.2f} s after the kill")
    finally:
        await cm.close()
