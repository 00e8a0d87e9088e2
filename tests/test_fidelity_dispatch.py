"""``functools.singledispatch`` as CPython's, except that registering by annotation never
evaluates a string (CPython's ``get_type_hints`` would: code from a string)."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import run
from .fidelity_cases import assert_matches_cpython


async def test_singledispatch_dispatches_as_cpython(driver: Any) -> None:
    await assert_matches_cpython(
        driver,
        """
        from functools import singledispatch
        @singledispatch
        def describe(value):
            return f"something: {value!r}"
        @describe.register
        def _(value: int):
            return f"int {value}"
        @describe.register(list)
        def _(value):
            return f"list of {len(value)}"
        @describe.register
        def _(value: float | complex):
            return "a float or a complex"
        def for_bytes(value):
            return "bytes"
        describe.register(bytes, for_bytes)
        result = [describe(3), describe([1, 2]), describe("x"), describe(1.5), describe(1j),
                  describe(b"a"), describe.dispatch(bool).__name__, sorted(
                      k.__name__ for k in describe.registry)]
        """,
    )


@pytest.mark.parametrize(
    "annotation", ["'print(\"evaluated\")'", "list['print(\"evaluated\")']", "42"]
)
async def test_an_annotation_that_is_not_a_class_is_never_evaluated(
    driver: Any, annotation: str
) -> None:
    program = (
        "from functools import singledispatch\n@singledispatch\ndef f(x):\n    return 0\n"
        f"@f.register\ndef _(x: {annotation}):\n    return 1\n"
    )
    result = await run(driver, program)
    assert result.error is not None and result.error.type == "TypeError", result.error
    assert "is not a class" in result.error.message
    assert result.logs == []  # nothing printed "evaluated"


async def test_the_dispatcher_hands_out_nothing(driver: Any) -> None:
    for attribute in ("register.__globals__", "_clear_cache", "register.__wrapped__.__globals__"):
        program = (
            "from functools import singledispatch\n@singledispatch\ndef f(x):\n    return 0\n"
            f"return f.{attribute}"
        )
        result = await run(driver, program)
        assert result.error is not None and result.error.type == "PolicyViolation", attribute
