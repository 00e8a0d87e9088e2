"""Ordinary Python must behave in the sandbox exactly as in plain CPython.

Each program sets ``result``; plain CPython runs it as module-level code (top-level
await allowed), the sandbox runs it with ``return result`` appended, on both drivers.
"""

from __future__ import annotations

import ast
import json
import sys
import textwrap
from typing import Any

import pytest

from .conftest import run
from .language_programs import PROGRAMS

if sys.version_info >= (3, 11):  # except* is 3.11 syntax
    PROGRAMS["exception_groups"] = """
        out = []
        try:
            raise ExceptionGroup("g", [ValueError(1), TypeError(2)])
        except* ValueError as eg:
            out.append(len(eg.exceptions))
        except* TypeError:
            out.append("type")
        result = out
    """


def _cpython(source: str) -> Any:
    """Plain CPython: module-level execution with top-level await."""
    import asyncio

    code = compile(source, "<ref>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    namespace: dict[str, Any] = {"__name__": "__main__"}

    async def main() -> None:
        coro = eval(code, namespace)
        if coro is not None:
            await coro

    # run on a private loop in a thread: the test's own loop is already running
    import threading

    errors: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(main())
        except BaseException as exc:
            errors.append(exc)

    t = threading.Thread(target=target)
    t.start()
    t.join()
    if errors:
        raise errors[0]
    return json.loads(json.dumps(namespace["result"], default=repr))


@pytest.mark.parametrize("name", sorted(PROGRAMS))
async def test_program_matches_cpython(driver: Any, name: str) -> None:
    source = textwrap.dedent(PROGRAMS[name])
    expected = _cpython(source)
    epilogue = "\nimport json as _json\nreturn _json.loads(_json.dumps(result, default=repr))"
    result = await run(driver, source + epilogue)
    assert result.error is None, result.error
    assert result.success
    assert result.result == expected


async def test_top_level_return_and_await(driver: Any) -> None:
    result = await run(
        driver,
        "import asyncio\nawait asyncio.sleep(0)\nif True:\n    return 'early'\nreturn 'late'",
    )
    assert result.result == "early"


async def test_print_goes_to_logs_in_order(driver: Any) -> None:
    result = await run(
        driver,
        "print('a', 1)\nprint('b', end='')\nprint('c', sep='-')\n"
        "import pprint\npprint.pprint({'k': [1]})\nreturn None",
    )
    assert result.success
    assert result.logs == ["a 1", "bc", "{'k': [1]}"]


# Programs the policy leaves untouched compile by a faster, textual route; they must
# behave exactly the same (results, line numbers, names).
PLAIN_PROGRAMS: dict[str, str] = {
    "plain_functions_and_closures": """
        def outer(k):
            def inner(x):
                return x * k
            return inner
        class Box:
            def get(self):
                return 41
        def gen(n):
            for i in range(n):
                yield i * i
        squares = {i: i * i for i in range(4)}
        result = [outer(3)(4), Box().get() + 1, list(gen(4)), squares, repr(Box).split(".")[-1],
                  str(outer(2)).split(" at ")[0]]
    """,
    "plain_async_and_match": """
        import asyncio
        async def twice(x):
            await asyncio.sleep(0)
            return 2 * x
        got = await asyncio.gather(twice(1), twice(2))
        def kind(v):
            match v:
                case [a, b]:
                    return "pair"
                case {"k": value}:
                    return "map " + str(value)
                case int() if v > 3:
                    return "big"
                case other:
                    return "other"
        result = [got, [kind(v) for v in ([1, 2], {"k": 9}, 7, 1)]]
    """,
}


@pytest.mark.parametrize("name", sorted(PLAIN_PROGRAMS))
async def test_plain_program_matches_cpython(driver: Any, name: str) -> None:
    from codemode_skills.sandbox.jail.policy import transformer

    source = textwrap.dedent(PLAIN_PROGRAMS[name])
    program = source + "\nimport json\nreturn json.loads(json.dumps(result, default=repr))"
    text_route = transformer._policy_is_a_no_op(program)
    assert not transformer._TEXT_WRAP_UNSAFE.search(program)
    # the textual route is only taken where every AST node type is on the allow-list
    assert text_route == (sys.version_info[:2] in transformer._NO_OP_SAFE_VERSIONS)
    result = await run(driver, program)
    assert result.error is None, result.error
    assert result.result == _cpython(source)


@pytest.mark.parametrize("prefix", ["", "_unused = 0\n"], ids=["text-route", "ast-route"])
async def test_error_lines_on_both_compile_routes(driver: Any, prefix: str) -> None:
    shift = prefix.count("\n")
    runtime = await run(driver, prefix + "x = 1\ndef f(y):\n    return y / 0\nf(x)\nreturn 2")
    assert runtime.error is not None and runtime.error.type == "ZeroDivisionError"
    assert runtime.error.line == 3 + shift
    syntax = await run(driver, prefix + "x = 1\ny = (\nreturn x")
    assert syntax.error is not None and syntax.error.type == "SyntaxError"
    assert syntax.error.line in (2 + shift, 3 + shift)
    names = await run(
        driver,
        prefix + "def f():\n    pass\nclass C:\n    pass\n"
        "return [f.__qualname__, C.__qualname__, repr(C)]",
    )
    assert names.result == ["f", "C", "<class '__main__.C'>"]
