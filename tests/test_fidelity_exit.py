"""How a program ends and what its compile errors say, as CPython would: ``sys.exit()``
and ``exit()`` are ``SystemExit`` (status 0 a successful end), ``IndentationError`` and
``TabError`` keep their type and the line numbers inside their messages, and a compile
that failed only because another thread was parsing at the same time is retried."""

from __future__ import annotations

from typing import Any

import pytest

from codemode_skills.sandbox import programs
from codemode_skills.sandbox.jail.policy import transformer
from codemode_skills.sandbox.programs import ProgramCache

from .conftest import run


@pytest.mark.parametrize(
    ("program", "success", "error"),
    [
        ("import sys\nprint('a')\nsys.exit(0)\nprint('b')", True, None),
        ("import sys\nsys.exit()", True, None),
        ("exit()", True, None),
        ("quit(0)", True, None),
        ("import sys\nsys.exit(3)", False, ("SystemExit", "3", 2)),
        ("import sys\nsys.exit('fatal: giving up')", False, ("SystemExit", "fatal: giving up", 2)),
        # a status object's own __eq__ is never run by the sandbox
        (
            "class S:\n    def __eq__(self, o):\n        raise ValueError\n"
            "    def __repr__(self):\n        return 'S'\nimport sys\nsys.exit(S())",
            False,
            ("SystemExit", "S", 7),
        ),
    ],
)
async def test_system_exit_ends_the_program(
    driver: Any, program: str, success: bool, error: tuple[str, str, int] | None
) -> None:
    result = await run(driver, program)
    assert result.success is success, result.error
    got = (result.error.type, result.error.message, result.error.line) if result.error else None
    assert got == error
    if "print('b')" in program:
        assert result.logs == ["a"]


async def test_system_exit_can_be_caught_and_sys_has_a_scripts_facts(driver: Any) -> None:
    program = (
        "import sys\ntry:\n    sys.exit(2)\nexcept SystemExit as e:\n    code = e.code\n"
        "return [code, type(sys.argv).__name__, len(sys.argv), sys.getsizeof(0) > 0, "
        "sys.intern('ab') == 'ab']"
    )
    result = await run(driver, program)
    assert result.result == [2, "list", 1, True, True], result.error


@pytest.mark.parametrize(
    "source",
    [
        "if True:\nprint(1)\n",  # IndentationError, "... on line 1" in its message
        "x = 1\nfor i in range(3):\nprint(i)\n",
        "def f():\n\tx = 1\n        y = 2\n",  # TabError
        "try:\n   x = 34\n",  # at the end of the file
        "__debug__: int\n",
        "x = (1,\n",
    ],
)
@pytest.mark.parametrize("route", ["text", "ast"])
async def test_compile_errors_read_as_cpython(driver: Any, source: str, route: str) -> None:
    if route == "ast":
        source = "_ast_route = 1\n" + source  # an underscore: the policed AST path
    with pytest.raises(SyntaxError) as cpython:
        compile(source, "<program>", "exec", dont_inherit=True)
    result = await run(driver, source)
    assert result.error is not None
    expected = (type(cpython.value).__name__, cpython.value.msg, cpython.value.lineno)
    assert (result.error.type, result.error.message, result.error.line) == expected


async def test_a_compile_broken_by_a_concurrent_parse_is_retried(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """CPython 3.11's "AST constructor recursion depth mismatch" (another thread parsing
    at the same time) reads as "nested too deeply": the cache tries again."""
    real = transformer.compile_program
    failures = [SystemError("AST constructor recursion depth mismatch")]

    def flaky(source: str, **kwargs: Any) -> Any:
        if failures:
            raise failures.pop()
        return real(source, **kwargs)

    monkeypatch.setattr(programs, "compile_program", flaky)
    compiled = await ProgramCache().get("x = 1\nreturn x", restricted=True, tenant=None)
    assert compiled is not None and not failures
