"""``globals()``, ``vars()``, ``locals()`` and ``dir()``: the program's own names, as a
copy, never the sandbox's entries, and nothing from a frame that is not the program's."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from .conftest import run


async def test_globals_is_a_copy_of_the_programs_own_names(driver: Any) -> None:
    program = textwrap.dedent(
        """
        def handle_add(a, b):
            return a + b
        def dispatch(op):
            return globals()[f"handle_{op}"](3, 4)
        seen = globals()
        seen["planted"] = 1
        try:
            planted
            bound = True
        except NameError:
            bound = False
        hidden = [n for n in seen if n.startswith("__cm") or n == "__builtins__"]
        return [dispatch("add"), "handle_sub" in globals(), bound, hidden, seen["__name__"]]
        """
    )
    result = await run(driver, program)
    assert result.result == [7, False, False, [], "__main__"], result.error


async def test_a_stdlib_frame_calling_back_shows_nothing(driver: Any) -> None:
    """``dataclasses`` calls a ``default_factory`` from the ``__init__`` it generated: a
    frame of the stdlib's, whose locals hold dataclasses' own sentinels. ``vars``,
    ``locals`` and ``globals`` called from there give nothing."""
    program = textwrap.dedent(
        """
        import dataclasses
        @dataclasses.dataclass
        class D:
            g: dict = dataclasses.field(default_factory=globals)
            l: dict = dataclasses.field(default_factory=locals)
            v: dict = dataclasses.field(default_factory=vars)
        d = D()
        return [sorted(d.g), sorted(d.l), sorted(d.v)]
        """
    )
    result = await run(driver, program)
    assert result.result == [[], [], []], result.error


@pytest.mark.parametrize("name", ["globals", "locals"])
async def test_wrong_calls_read_as_cpython(driver: Any, name: str) -> None:
    result = await run(driver, f"{name}(1)")
    assert result.error is not None
    assert (result.error.type, result.error.message) == (
        "TypeError",
        f"{name}() takes no arguments (1 given)",
    )
