"""What the fidelity tests share: an ``err(f)`` helper inside programs, and the check that
a program gives the sandbox the same result as plain CPython (both drivers)."""

from __future__ import annotations

import textwrap
from typing import Any

from .conftest import run
from .test_language import _cpython

#: ``err(f)``: what calling ``f`` raises, as [type name, message].
ERR = """
def err(f):
    try:
        f()
    except Exception as e:
        return [type(e).__name__, str(e)]
    return "no error"
"""

#: ``attempt(f)``: what ``f()`` gives, or "refused <type>" when it raises (escape tests).
ATTEMPT = """
def attempt(f):
    try:
        value = f()
    except Exception as e:
        return "refused " + type(e).__name__
    return value
"""

#: Results go through JSON on the way back; the reference takes the same trip.
_EPILOGUE = "\nimport json as _json\nreturn _json.loads(_json.dumps(result, default=repr))"


async def assert_matches_cpython(driver: Any, program: str) -> None:
    """``program`` (which sets ``result``, and may use ``err``) gives the same ``result``
    in the sandbox as in CPython."""
    source = ERR + textwrap.dedent(program)
    expected = _cpython(source)
    result = await run(driver, source + _EPILOGUE)
    assert result.error is None, result.error
    assert result.result == expected
