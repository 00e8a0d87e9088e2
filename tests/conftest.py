"""Shared fixtures: one real sandbox per test session, and the two drivers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from codemode_skills import InProcessDriver, SubprocessDriver, create_code_mode, tool
from codemode_skills.sandbox import Bridge, ExecutionRequest, ExecutionResult, RunLimits


@tool
async def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@tool
async def slow_echo(value: str, delay: float = 0.2) -> dict[str, Any]:
    """Echo after a delay; records when it ran so tests can check overlap."""
    start = asyncio.get_running_loop().time()
    await asyncio.sleep(delay)
    return {"value": value, "start": start, "end": asyncio.get_running_loop().time()}


@tool
def explode(message: str) -> str:
    """Always fails."""
    raise RuntimeError(message)


@tool
async def hang() -> str:
    """Never returns."""
    await asyncio.sleep(3600)
    return "unreachable"


@tool
def bad_output() -> int:
    """Returns a value that does not match its declared output."""
    return "not an int"  # type: ignore[return-value]


TEST_TOOLS = [add, slow_echo, explode, hang, bad_output]


@pytest.fixture(scope="session")
async def subprocess_driver() -> AsyncIterator[SubprocessDriver]:
    driver = SubprocessDriver(pool_size=2)
    await driver.start()
    yield driver
    await driver.close()


@pytest.fixture(scope="session")
async def inprocess_driver() -> InProcessDriver:
    return InProcessDriver()


@pytest.fixture(params=["subprocess", "inprocess"])
async def driver(
    request: pytest.FixtureRequest,
    subprocess_driver: SubprocessDriver,
    inprocess_driver: InProcessDriver,
) -> Any:
    return subprocess_driver if request.param == "subprocess" else inprocess_driver


@pytest.fixture
async def cm(driver: Any) -> Any:
    """A CodeMode over the test tools, sharing the session's driver."""
    mode = create_code_mode(TEST_TOOLS, driver=driver, timeout_s=10)
    yield mode
    mode.events.close()  # the driver is shared: do not close it here


async def run(
    driver: Any,
    code: str,
    *,
    timeout_s: float = 10,
    memory_mb: int = 256,
    limits: RunLimits | None = None,
    tools: list[Any] | None = None,
) -> ExecutionResult:
    """Run ``code`` on ``driver`` directly (no CodeMode), with the test tools."""
    table = {t.name: t for t in (tools if tools is not None else TEST_TOOLS)}
    return await driver.execute(
        ExecutionRequest(
            code=code,
            bridge=Bridge(table),
            timeout_s=timeout_s,
            memory_mb=memory_mb,
            limits=limits or RunLimits(),
        )
    )
