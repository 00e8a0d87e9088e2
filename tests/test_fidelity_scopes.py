"""Two rules where the sandbox now answers as CPython does: a refused name read with a
default, and ``from m import *`` outside module level."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from .conftest import run


async def test_getattr_with_a_default_reads_a_refused_name_as_missing(driver: Any) -> None:
    """As ``hasattr`` says False, ``getattr(x, refused, d)`` gives ``d``; without a
    default the refusal stands, and the default path hands out nothing it read."""
    program = textwrap.dedent(
        """
        def f(): pass
        sentinel = object()
        got = [getattr(f, n, sentinel) is sentinel for n in ("__globals__", "__code__")]
        try:
            getattr(f, "__globals__")
            raised = None
        except AttributeError as e:
            raised = type(e).__name__
        return [got, hasattr(f, "__globals__"), getattr(f, "__name__", None), raised]
        """
    )
    result = await run(driver, program)
    assert result.result == [[True, True], False, "f", "AttributePolicyViolation"], result.error


@pytest.mark.parametrize("scope", ["def f():", "class A:"])
async def test_import_star_inside_a_def_or_class_is_a_syntax_error(driver: Any, scope: str) -> None:
    source = f"{scope}\n    from math import *\n"
    with pytest.raises(SyntaxError) as cpython:
        compile(source, "<program>", "exec")
    result = await run(driver, source + "return 1")
    assert result.error is not None, result.result
    assert (result.error.type, result.error.message, result.error.line) == (
        "SyntaxError",
        cpython.value.msg,
        2,
    )
    top = await run(driver, "from math import *\nreturn round(pi, 2)")  # module level: fine
    assert top.result == 3.14, top.error
