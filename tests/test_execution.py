"""Running programs: tool calls, errors, limits and events, on both drivers."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from codemode_skills import create_code_mode, tool
from codemode_skills.events import EventType
from codemode_skills.sandbox import RunLimits

from .conftest import TEST_TOOLS, run


async def _until(condition: Callable[[], bool], failure: str, deadline_s: float = 60) -> None:
    """Poll ``condition`` until it holds: evidence with a generous deadline, never a fixed
    sleep that a busy machine outlasts."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + deadline_s
    while not condition():
        if loop.time() > deadline:
            pytest.fail(f"{failure} (waited {deadline_s:g} s)")
        await asyncio.sleep(0.02)


async def test_gathered_tool_calls_overlap_on_the_host(driver: Any) -> None:
    """Each call waits until all three are in flight: that can only happen if the host runs
    them at once. Evidence, not timestamps: a busy machine may start them far apart."""
    arrived: list[str] = []
    all_in = asyncio.Event()

    @tool
    async def rendezvous(value: str) -> dict[str, Any]:
        """Return once all three calls have started (or after a generous 30 s)."""
        arrived.append(value)
        if len(arrived) == 3:
            all_in.set()
        try:
            await asyncio.wait_for(all_in.wait(), 30)
        except asyncio.TimeoutError:
            return {"value": value, "met": False}
        return {"value": value, "met": True}

    code = (
        "import asyncio\n"
        "return await asyncio.gather(*(tools.rendezvous(value=str(i)) for i in range(3)))"
    )
    result = await run(driver, code, timeout_s=120, tools=[rendezvous])
    assert result.success, result.error
    assert [r["value"] for r in result.result] == ["0", "1", "2"]
    assert all(r["met"] for r in result.result)  # all three were in flight at once
    assert result.tool_calls == 3


async def test_tool_result_and_positional_dict(driver: Any) -> None:
    result = await run(
        driver,
        "a = await tools.add(a=2, b=3)\nb = await tools.add({'a': 1, 'b': 1})\nreturn [a, b]",
    )
    assert result.result == [5, 2]


async def test_input_validation_error_reaches_the_program(driver: Any) -> None:
    code = (
        "try:\n    await tools.add(a='x', b=1)\nexcept ToolValidationError as e:\n"
        "    return ['caught', str(e)]"
    )
    result = await run(driver, code)
    assert result.success
    assert result.result[0] == "caught"
    assert "add(): invalid input" in result.result[1] and "a:" in result.result[1]


async def test_uncaught_validation_error(driver: Any) -> None:
    result = await run(driver, "await tools.add(a=1)\nreturn 1")
    assert result.error is not None
    assert result.error.type == "ToolValidationError"
    assert "b: Field required" in result.error.message
    assert result.error.line == 1


async def test_unknown_argument_is_refused(driver: Any) -> None:
    result = await run(driver, "return await tools.add(a=1, b=2, c=3)")
    assert result.error is not None and result.error.type == "ToolValidationError"


async def test_output_validation_error(driver: Any) -> None:
    result = await run(driver, "return await tools.bad_output()")
    assert result.error is not None and result.error.type == "ToolValidationError"
    assert "invalid result" in result.error.message


async def test_tool_that_raises(driver: Any) -> None:
    result = await run(driver, "x = 1\nawait tools.explode(message='kaboom')\nreturn x")
    assert result.error is not None
    assert result.error.type == "ToolError"
    assert "kaboom" in result.error.message and "RuntimeError" in result.error.message
    assert result.error.line == 2
    caught = await run(
        driver,
        "try:\n    await tools.explode(message='x')\nexcept ToolError:\n    return 'handled'",
    )
    assert caught.result == "handled"


async def test_unknown_tool(driver: Any) -> None:
    result = await run(driver, "return await tools.nope()")
    assert result.error is not None and result.error.type == "AttributeError"
    assert "available: add" in result.error.message


async def test_hanging_tool_cannot_outlive_the_timeout(driver: Any) -> None:
    result = await run(driver, "await tools.hang()\nreturn 1", timeout_s=1)
    assert result.error is not None and result.error.type == "TimeoutError"
    # the tool hangs for an hour: stopped at the 1 s timeout, with a generous bound for the
    # start-up and kill on a busy machine (not a speed test)
    assert 900 <= result.duration_ms < 30_000
    assert (await run(driver, "return 'alive'")).result == "alive"


async def test_non_json_result(driver: Any) -> None:
    for code in (
        "return {1, 2}",
        "return object()",
        "return float('nan')",
        "class A: pass\nreturn A()",
    ):
        result = await run(driver, code)
        assert result.error is not None and result.error.type == "ResultNotSerializable", code


async def test_syntax_error_with_line(driver: Any) -> None:
    result = await run(driver, "x = 1\ny = (2,\nreturn x")
    assert result.error is not None and result.error.type == "SyntaxError"
    assert result.error.line in (2, 3)


async def test_infinite_loop_times_out(driver: Any) -> None:
    result = await run(driver, "while True:\n    pass", timeout_s=1)
    assert result.error is not None and result.error.type == "TimeoutError"
    assert (await run(driver, "return 1")).success


async def test_deep_recursion(driver: Any) -> None:
    result = await run(driver, "def f(n):\n    return f(n + 1)\nreturn f(0)")
    assert result.error is not None and result.error.type == "RecursionError"
    assert (await run(driver, "return 1")).success


async def test_print_flood_is_capped(driver: Any) -> None:
    limits = RunLimits(max_log_bytes=10_000)
    result = await run(
        driver,
        "while True:\n    try:\n        print('x' * 100)\n    except Exception:\n        pass",
        limits=limits,
        timeout_s=5,
    )
    assert result.error is not None and result.error.type == "OutputLimitExceeded"
    assert sum(len(line) + 1 for line in result.logs) <= 10_000
    assert (await run(driver, "return 1")).success


async def test_result_size_is_capped(driver: Any) -> None:
    result = await run(driver, "return 'x' * 5000", limits=RunLimits(max_result_bytes=1000))
    assert result.error is not None and result.error.type == "OutputLimitExceeded"


async def test_tool_call_cap(driver: Any) -> None:
    code = "for i in range(10):\n    await tools.add(a=i, b=0)\nreturn 'done'"
    result = await run(driver, code, limits=RunLimits(max_tool_calls=5))
    assert result.error is not None and result.error.type == "ToolCallLimitExceeded"


async def test_memory_bomb(subprocess_driver: Any) -> None:
    result = await run(subprocess_driver, "s = 'a' * 10**10\nreturn len(s)", memory_mb=128)
    assert result.error is not None and result.error.type == "MemoryLimitExceeded"
    assert "memory limit" in result.error.message
    grow = await run(
        subprocess_driver, "x = []\nwhile True:\n    x.append(bytearray(10**6))", memory_mb=64
    )
    assert grow.error is not None and grow.error.type == "MemoryLimitExceeded"
    assert (await run(subprocess_driver, "return 1")).success


async def test_huge_power_times_out(subprocess_driver: Any) -> None:
    result = await run(subprocess_driver, "return 10**10**8 % 7", timeout_s=1)
    assert result.error is not None and result.error.type in ("TimeoutError", "MemoryLimitExceeded")
    assert (await run(subprocess_driver, "return 1")).success


async def test_events_sync_callback(driver: Any) -> None:
    seen: list[Any] = []
    cm = create_code_mode(TEST_TOOLS, driver=driver, on_event=seen.append)
    result = await cm.execute(
        "print('hi')\ntry:\n    await tools.explode(message='x')\nexcept ToolError:\n"
        "    pass\nreturn await tools.add(a=1, b=2)"
    )
    assert result.result == 3
    types = [e.type for e in seen]
    assert types[0] == EventType.EXECUTION_STARTED and types[-1] == EventType.EXECUTION_FINISHED
    for expected in (
        EventType.CONSOLE,
        EventType.TOOL_CALL,
        EventType.TOOL_ERROR,
        EventType.TOOL_RESULT,
    ):
        assert expected in types
    console = next(e for e in seen if e.type == EventType.CONSOLE)
    assert console.data["text"] == "hi\n"
    # the console event arrived before the run finished (live, not batched)
    assert types.index(EventType.CONSOLE) < types.index(EventType.EXECUTION_FINISHED)
    ids = {e.data["execution_id"] for e in seen}
    assert len(ids) == 1


async def test_events_async_stream(driver: Any) -> None:
    cm = create_code_mode(TEST_TOOLS, driver=driver)
    collected: list[str] = []

    async def consume() -> None:
        async for event in cm.events.stream():
            collected.append(event.type)

    task = asyncio.create_task(consume())
    await asyncio.sleep(0)
    await cm.execute("return await tools.add(a=1, b=1)")
    cm.events.close()
    await asyncio.wait_for(task, 5)
    assert collected == [
        EventType.EXECUTION_STARTED,
        EventType.TOOL_CALL,
        EventType.TOOL_RESULT,
        EventType.EXECUTION_FINISHED,
    ]


async def test_a_failing_subscriber_does_not_break_the_run(driver: Any) -> None:
    def boom(event: Any) -> None:
        raise RuntimeError("subscriber bug")

    cm = create_code_mode(TEST_TOOLS, driver=driver, on_event=boom)
    assert (await cm.execute("return 5")).result == 5


async def test_execute_tool_roundtrip(cm: Any) -> None:
    payload = await cm.tool.invoke({"code": "print('p')\nreturn {'ok': True}"})
    assert payload == {"success": True, "result": {"ok": True}, "logs": ["p"]}
    failed = await cm.tool.invoke({"code": "return 1/0"})
    assert failed["success"] is False and failed["error"]["type"] == "ZeroDivisionError"


@pytest.mark.parametrize("bad", [{"code": 5}, {}, {"code": "return 1", "extra": 1}])
async def test_execute_tool_input_is_validated(cm: Any, bad: dict[str, Any]) -> None:
    from codemode_skills import ToolValidationError

    if "extra" in bad:  # extra keys are ignored by the execute tool's model
        assert (await cm.tool.invoke(bad))["success"] is True
        return
    with pytest.raises(ToolValidationError):
        await cm.tool.invoke(bad)


async def test_limits_above_the_pools_preset(subprocess_driver: Any) -> None:
    # workers are forked with preset limits they can only lower; a request needing more
    # must get a worker forked with enough, and the limit must still hold
    code = "block = bytearray(400 * 1024 * 1024)\nreturn len(block) // (1024 * 1024)"
    small = await run(subprocess_driver, code, memory_mb=256)
    assert small.error is not None and small.error.type == "MemoryLimitExceeded"
    big = await run(subprocess_driver, code, memory_mb=700, timeout_s=45)
    assert big.success, big.error
    assert big.result == 400
    again = await run(subprocess_driver, code, memory_mb=256)
    assert again.error is not None and again.error.type == "MemoryLimitExceeded"


async def test_template_death_is_survived() -> None:
    import os
    import signal

    from codemode_skills import SubprocessDriver

    driver = SubprocessDriver()
    await driver.start()
    try:
        assert (await run(driver, "return 1")).result == 1
        template = driver._pool._proc
        os.kill(template.pid, signal.SIGKILL)  # type: ignore[union-attr]
        # the driver has seen the template go (it dropped it, or already started another)
        await _until(lambda: driver._pool._proc is not template, "the template's death went unseen")
        results = [await run(driver, "return 2") for _ in range(2)]
        # at most the first run may see the old template go; the sandbox comes back
        assert results[-1].result == 2
        assert all(r.success or r.error.type == "SandboxError" for r in results)  # type: ignore[union-attr]
    finally:
        await driver.close()


async def test_inprocess_driver_reuses_threads_and_retires_stuck_ones() -> None:
    import threading

    from codemode_skills import InProcessDriver

    def program_threads() -> int:
        return sum(t.name == "codemode-inprocess" and t.is_alive() for t in threading.enumerate())

    driver = InProcessDriver()
    before = program_threads()
    for _ in range(5):
        assert (await run(driver, "return 1")).result == 1
    assert program_threads() - before == 1  # one thread served all five runs
    stuck = await run(driver, "while True:\n    pass", timeout_s=0.5)
    assert stuck.error is not None and stuck.error.type == "TimeoutError"
    assert (await run(driver, "return 2")).result == 2
    await driver.close()
    # the stuck thread was stopped, the idle one closed (each ends when next scheduled)
    await _until(lambda: program_threads() == before, "a program thread outlived close()")


async def test_workers_forked_before_a_limit_rise_are_not_handed_out() -> None:
    import socket

    from codemode_skills.sandbox.jail.protocol import WorkerLimits
    from codemode_skills.sandbox.process.pool import Worker, WorkerPool

    class FakeLink:
        closed = False

        def close(self) -> None:
            self.closed = True

    pool = WorkerPool(
        size=2, layers={}, restricted=True, bwrap=False, start_timeout_s=1, max_line=1000
    )
    ours, template = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    pool._ctrl = ours  # refill requests go to a socket nobody serves
    try:
        pool.fork_limits = WorkerLimits(700, 46)  # the limits already rose...
        early = Worker(1, -1, FakeLink(), WorkerLimits(256, 31))  # ...after this one was forked
        late = Worker(2, -1, FakeLink(), WorkerLimits(700, 46))
        pool._idle.extend([early, late])
        assert pool.take_nowait(WorkerLimits(700, 46)) is late
        assert early.link.closed  # dropped, not handed out
        assert pool.take_nowait(WorkerLimits(700, 46)) is None
    finally:
        ours.close()
        template.close()


async def test_positional_arguments_follow_the_tool_signature(driver: Any) -> None:
    ok = await run(driver, "return [await tools.add(2, 3), await tools.add(4, b=5)]")
    assert ok.success and ok.result == [5, 9]
    too_many = await run(driver, "return await tools.add(1, 2, 3)")
    assert too_many.error is not None and too_many.error.type == "ToolValidationError"
    assert "at most 2 positional" in too_many.error.message
    twice = await run(driver, "return await tools.add(1, a=2)")
    assert twice.error is not None and "multiple values for argument 'a'" in twice.error.message
