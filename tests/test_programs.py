"""Programs compiled on the host and cached (``sandbox.programs``), on both drivers:
reused across runs, never across tenants, bounded, and with the same results and error
lines as a compile inside the sandbox (which large programs still get)."""

from __future__ import annotations

import marshal
import threading
from typing import Any

import pytest

from codemode_skills import ExecutionContext, InProcessDriver, SubprocessDriver
from codemode_skills.sandbox import Bridge, ExecutionRequest, ProgramCache, programs
from codemode_skills.sandbox.jail.policy.transformer import CompileFailed, compile_program
from tests.conftest import TEST_TOOLS, run

PROGRAM = """
class Basket:
    def __init__(self, items):
        self._items = list(items)
    def __len__(self):
        return len(self._items)
total = await tools.add(a=len(Basket([1, 2, 3])), b=4)
print('total', total)
return {'total': total}
"""


def _padded(body: str, size: int) -> str:
    """``body`` after enough comment lines to make the source ``size`` bytes or more."""
    filler = "# " + "x" * 70 + "\n"
    return filler * (size // len(filler) + 1) + body


async def test_a_repeated_program_is_compiled_once(driver: Any) -> None:
    cache: ProgramCache = driver.programs
    before = (cache.hits, cache.misses)
    first = await run(driver, PROGRAM)
    second = await run(driver, PROGRAM)
    assert first.success and second.success, (first.error, second.error)
    assert first.result == second.result == {"total": 7}
    assert first.logs == second.logs == ["total 7"]
    assert (cache.hits - before[0], cache.misses - before[1]) == (1, 1)


async def test_compile_failures_are_cached_and_keep_their_line(driver: Any) -> None:
    code = "x = 1\ny = (\nreturn x"
    for _ in range(2):
        result = await run(driver, code)
        assert not result.success and result.error is not None
        assert (result.error.type, result.error.line) == ("SyntaxError", 2)
    refused = await run(driver, "x = 1\nreturn __builtins__")  # refused at compile time
    assert refused.error is not None and refused.error.type == "PolicyViolation"
    assert refused.error.line == 2


async def test_a_refused_program_takes_no_worker() -> None:
    async with SubprocessDriver(pool_size=1) as driver:
        idle = list(driver._pool._idle)
        result = await run(driver, "return (")
        assert result.error is not None and result.error.type == "SyntaxError"
        assert list(driver._pool._idle) == idle  # the same worker still waits, unused
        assert (await run(driver, "return 2")).result == 2


@pytest.mark.parametrize("size", [5_000, 20_000], ids=["on-a-thread", "in-the-sandbox"])
async def test_larger_programs(driver: Any, size: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Over 2 KB a program is compiled on a thread; over 16 KB inside the sandbox (not
    cached). Results and error lines are the same either way."""
    cache: ProgramCache = driver.programs
    threads: list[int] = []
    real = programs._compile

    def spy(source: str, restricted: bool, isolated: bool) -> Any:
        threads.append(threading.get_ident())
        return real(source, restricted, isolated)

    monkeypatch.setattr(programs, "_compile", spy)
    on_host = size <= cache.host_max_bytes
    code = _padded("return await tools.add(a=1, b=2)", size)
    result = await run(driver, code)
    assert result.success and result.result == 3, result.error
    assert any(key[-1] == code for key in cache._entries) is on_host  # (the cache may be full)
    assert len(threads) == (1 if on_host else 0)
    assert all(t != threading.get_ident() for t in threads)  # not on the event loop
    broken = _padded("x = 1\nreturn x +", size)
    result = await run(driver, broken)
    assert result.error is not None and result.error.type == "SyntaxError"
    assert result.error.line == broken.count("\n") + 1


async def test_entries_are_per_tenant(driver: Any) -> None:
    cache: ProgramCache = driver.programs
    code = "return 'tenant probe'"
    for tenant in ("acme", "globex"):
        context = ExecutionContext(tenant=tenant, user="u")
        bridge = Bridge({t.name: t for t in TEST_TOOLS}, context=context)
        request = ExecutionRequest(code=code, bridge=bridge, context=context)
        result = await driver.execute(request)
        assert result.success
    keys = [k for k in cache._entries if k[-1] == code]
    assert sorted(k[0] for k in keys) == ["acme", "globex"]


async def test_bounded_by_entries_and_bytes() -> None:
    cache = ProgramCache(max_entries=2)
    for n in range(3):
        await cache.get(f"return {n}", restricted=True, tenant=None)
    assert [k[-1] for k in cache._entries] == ["return 1", "return 2"]  # oldest went first
    await cache.get("return 1", restricted=True, tenant=None)  # a hit refreshes it
    await cache.get("return 3", restricted=True, tenant=None)
    assert [k[-1] for k in cache._entries] == ["return 1", "return 3"]

    small = ProgramCache(max_cached_bytes=3000)
    for n in range(10):
        await small.get(f"x = {n}\nreturn x" + " " * 500, restricted=True, tenant=None)
    assert small._bytes <= 3000 and 0 < len(small) < 10

    never = ProgramCache(max_entries=0)
    await never.get("return 1", restricted=True, tenant=None)
    assert len(never) == 0 and never._bytes == 0


async def test_what_the_worker_receives_is_the_policy_compiled_code() -> None:
    cache = ProgramCache()
    compiled = await cache.get("return _x", restricted=True, tenant=None)
    assert compiled is not None
    assert marshal.loads(compiled.blob).co_code == compile_program("return _x").co_code
    with pytest.raises(CompileFailed):
        await cache.get("return __builtins__", restricted=True, tenant=None)
    unrestricted = await cache.get("return ().__class__", restricted=False, tenant=None)
    assert unrestricted is not None  # the OS-only mode has its own entries


async def test_an_own_cache_can_be_shared_or_turned_off() -> None:
    shared = ProgramCache()
    async with SubprocessDriver(program_cache=shared) as sub:
        driver, other = InProcessDriver(program_cache=shared), InProcessDriver(program_cache=shared)
        assert (await run(sub, "return 40 + 2")).result == 42
        assert (await run(driver, "return 40 + 2")).result == 42
        assert (await run(other, "return 40 + 2")).result == 42
        # the two in-process drivers share an entry; code for a worker (a process of the
        # program's own, public stores native: compile_program(isolated)) has its own
        assert (shared.hits, shared.misses) == (1, 2)
    off = InProcessDriver(program_cache=ProgramCache(max_entries=0))
    assert (await run(off, "return 1")).result == (await run(off, "return 1")).result == 1
    assert off.programs.hits == 0 and off.programs.misses == 2
