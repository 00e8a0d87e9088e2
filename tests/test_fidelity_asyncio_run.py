"""``asyncio.run(main())`` written at a program's top level runs ``main()`` on the
sandbox's own loop (a model writes it out of habit; CPython would refuse it on a running
loop). Elsewhere ``asyncio.run`` is CPython's refusal, and the rewrite hands out nothing."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from .conftest import run

CASES: dict[str, tuple[str, Any]] = {
    "script_ending": (
        """
        import asyncio
        async def main():
            await asyncio.sleep(0)
            return await asyncio.gather(*(asyncio.sleep(0, result=i) for i in range(3)))
        values = asyncio.run(main())
        return values
        """,
        [0, 1, 2],
    ),
    "main_guard": (
        """
        import asyncio
        async def main():
            return "ran"
        if __name__ == "__main__":
            outcome = asyncio.run(main())
        return outcome
        """,
        "ran",
    ),
    "aliases_and_keywords": (
        """
        import asyncio as aio
        from asyncio import run as go
        async def one():
            return 1
        return [aio.run(one()), go(one()), aio.run(main=one(), debug=False)]
        """,
        [1, 1, 1],
    ),
    "another_run_is_called_as_written": (
        """
        class Runner:
            def run(self, x):
                return x * 2
        asyncio = Runner()
        return asyncio.run(21)
        """,
        42,
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
async def test_top_level_asyncio_run_awaits_on_the_running_loop(driver: Any, name: str) -> None:
    program, expected = CASES[name]
    result = await run(driver, textwrap.dedent(program))
    assert result.error is None, result.error
    assert result.result == expected


async def test_asyncio_run_refuses_as_cpython_where_it_cannot_await(driver: Any) -> None:
    """Inside a function there is no top level to await on: CPython's RuntimeError, and
    the coroutine is closed (no "never awaited" warning in the logs)."""
    program = textwrap.dedent(
        """
        import asyncio
        async def work():
            return 1
        def sync_entry():
            return asyncio.run(work())
        try:
            sync_entry()
        except RuntimeError as e:
            message = str(e)
        try:
            asyncio.run(5)
        except ValueError as e:
            bad = str(e)
        return [message, bad]
        """
    )
    result = await run(driver, program)
    assert result.result == [
        "asyncio.run() cannot be called from a running event loop",
        "a coroutine was expected, got 5",
    ], result.error
    assert not any("never awaited" in line for line in result.logs)


@pytest.mark.parametrize(
    "program",
    [
        "return __cm_asyncio_run__",
        "import asyncio\nreturn asyncio.run.__globals__",
        "import asyncio\nreturn type(asyncio.run).__code__",
        "import asyncio\nf = asyncio.run\nreturn [v for v in vars(f)]",
    ],
)
async def test_the_rewrite_hands_out_nothing(driver: Any, program: str) -> None:
    result = await run(driver, program)
    assert not result.success
    assert result.error is not None and result.error.type in (
        "PolicyViolation",
        "AttributeError",
        "TypeError",
    ), result.error
