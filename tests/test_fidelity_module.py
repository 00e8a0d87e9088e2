"""Programs run with module semantics: each program here runs under plain CPython as
module code (top-level await allowed) and in the sandbox, and must print the same lines
and end with the same uncaught exception (type, message and line) or none.

Before module semantics, top-level names were locals of the entry function: reading one
too early was ``UnboundLocalError``, a class body could not see a top-level name that is
also assigned at top level, a builtin rebound later was unreachable before that line, an
uncaught ``StopIteration`` became ``RuntimeError: coroutine raised StopIteration``, and
top-level ``nonlocal``/``yield`` gave a function's error (or none)."""

from __future__ import annotations

import ast
import asyncio
import contextlib
import io
import textwrap
import threading
from typing import Any

import pytest

from .conftest import run

Outcome = tuple[list[str], str | None, str | None, int | None]

PROGRAMS: dict[str, str] = {
    "read_before_bind": """
        print("start")
        print(total)
        total = 1
    """,
    "read_before_bind_underscore": """
        print(_hidden)
        _hidden = 1
    """,
    "class_body_sees_top_level": """
        x = 1
        class A:
            x = x + 1
            y = [x]
        print(x, A.x, A.y)
    """,
    "builtin_rebound_later": """
        print(len("abc"), max(1, 2))
        def len(s):
            return -1
        max = min
        print(len("abc"), max(1, 2))
    """,
    "stop_iteration_at_top_level": """
        it = iter([1])
        print(next(it))
        next(it)
    """,
    "stop_iteration_from_a_coroutine_stays_runtime_error": """
        async def inner():
            next(iter(()))
        await inner()
    """,
    "top_level_nonlocal": """
        nonlocal x
    """,
    "top_level_nonlocal_after_an_assignment": """
        x = 1
        nonlocal x
    """,
    "nonlocal_of_a_top_level_name": """
        x = 0
        def f():
            nonlocal x
            x = 1
    """,
    "top_level_yield": """
        print("never")
        yield 1
    """,
    "top_level_yield_in_an_expression": """
        x = [(yield)]
    """,
    "del_then_read": """
        x = 1
        del x
        print(x)
    """,
    "del_unbound": """
        del never_bound
    """,
    "except_name_is_unbound_after_the_handler": """
        try:
            1 / 0
        except ZeroDivisionError as e:
            print("caught", e)
        print(e)
    """,
    "global_in_a_helper": """
        count = 0
        def bump():
            global count
            count += 1
        bump(); bump()
        print(count)
    """,
    "global_statement_at_top_level": """
        global g
        g = 3
        def read():
            return g
        print(read())
    """,
    "assigned_before_global": """
        g = 1
        global g
    """,
    "function_sees_a_later_binding": """
        def show():
            return later
        later = "bound after the def"
        print(show())
    """,
    "unbound_local_inside_a_function_stays": """
        x = 1
        def f():
            print(x)
            x = 2
        f()
    """,
    "comprehension_and_walrus": """
        base = 10
        squares = [base + i * i for i in range(3)]
        found = [last := i for i in range(4)]
        print(squares, last)
    """,
    "annotated_names": """
        x: int = 5
        y: str
        print(x)
        print(y)
    """,
    "annotation_is_evaluated": """
        z: Missing = 1
    """,
    "future_annotations": """
        from __future__ import annotations
        z: Missing = 1
        def f(a: Nope) -> Other:
            return a
        print(z, f.__annotations__)
    """,
    "unknown_future_feature": """
        from __future__ import teleportation
    """,
    "name_main_guard": """
        def main():
            print("main ran", __name__)
        if __name__ == "__main__":
            main()
    """,
    "recursion_by_global_name": """
        def fact(n):
            return 1 if n < 2 else n * fact(n - 1)
        print(fact(10))
    """,
    "names_listed_at_top_level": """
        import math
        a = 1
        def f():
            inner = 2
            return sorted(locals())
        print([n for n in ("a", "math", "f", "nope") if n in vars()])
        print([n for n in ("a", "math", "f", "nope") if n in dir()])
        print([n for n in ("a", "math", "f", "nope") if n in locals()])
        print(f())
    """,
    "match_capture_at_top_level": """
        match {"k": [1, 2]}:
            case {"k": [first, *rest]}:
                pass
        def show():
            return first, rest
        print(show())
    """,
    "dataclass_default_from_top_level": """
        from dataclasses import dataclass, field
        DEFAULT = 3
        @dataclass
        class Box:
            size: int = DEFAULT
            tags: list = field(default_factory=lambda: [DEFAULT])
        print(Box())
    """,
    "await_at_top_level_in_a_comprehension": """
        import asyncio
        async def double(x):
            await asyncio.sleep(0)
            return 2 * x
        print([await double(i) for i in range(3)])
    """,
    "compound_first_line": """
        for i in range(2):
            print(i)
        print(i)
    """,
}


def cpython_module(source: str) -> Outcome:
    """``source`` run by plain CPython as module code, as ``python file.py`` would (with
    top-level await): printed lines and the uncaught exception."""
    out = io.StringIO()
    error: list[BaseException] = []

    def target() -> None:
        try:
            try:  # as `python file.py` compiles it (it evaluates top-level annotations)
                code = compile(source, "<module>", "exec", dont_inherit=True)
            except SyntaxError:  # top-level await: as the asyncio REPL compiles it
                flags = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
                code = compile(source, "<module>", "exec", flags, dont_inherit=True)
            namespace: dict[str, Any] = {"__name__": "__main__"}
            with contextlib.redirect_stdout(out):
                coro = eval(code, namespace)
                if coro is not None:
                    asyncio.run(coro)
        except BaseException as exc:
            error.append(exc)

    thread = threading.Thread(target=target)  # the test's own loop is running here
    thread.start()
    thread.join()
    lines = out.getvalue().splitlines()
    if not error:
        return lines, None, None, None
    exc = error[0]
    if isinstance(exc, SyntaxError):
        return lines, "SyntaxError", exc.msg, exc.lineno
    tb, line = exc.__traceback__, None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<module>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return lines, type(exc).__name__, str(exc), line


@pytest.mark.parametrize("name", sorted(PROGRAMS))
async def test_program_behaves_as_module_code(driver: Any, name: str) -> None:
    source = textwrap.dedent(PROGRAMS[name]).lstrip("\n")
    expected = cpython_module(source)
    result = await run(driver, source)
    error = result.error
    got: Outcome = (
        result.logs,
        error.type if error else None,
        error.message if error else None,
        error.line if error else None,
    )
    assert got == expected


async def test_stop_iteration_after_a_top_level_await_is_still_stop_iteration(
    driver: Any,
) -> None:
    """CPython has no module file with a top-level ``await``; its asyncio REPL reports a
    ``StopIteration`` escaping such code as ``RuntimeError: coroutine raised
    StopIteration`` (the module body is a coroutine there). The sandbox reports the
    ``StopIteration`` itself, with its line, whether or not the program awaited before."""
    program = "import asyncio\nawait asyncio.sleep(0)\nnext(iter(()))\n"
    result = await run(driver, program)
    assert result.error is not None
    assert (result.error.type, result.error.line) == ("StopIteration", 3)


async def test_top_level_return_and_await_still_work(driver: Any) -> None:
    """The two things a module cannot do that a program may: ``await`` and ``return``
    at the top level, also from inside a loop and after a top-level ``def``."""
    program = textwrap.dedent(
        """
        import asyncio
        def helper(x):
            return x * 2
        for i in range(10):
            await asyncio.sleep(0)
            if helper(i) > 6:
                return {"i": i, "via": helper.__qualname__}
        """
    )
    result = await run(driver, program)
    assert result.result == {"i": 4, "via": "helper"}, result.error


async def test_the_top_level_namespace_shows_no_sandbox_plumbing(driver: Any) -> None:
    """``vars()``/``locals()``/``dir()`` at the top level list the program's globals: not
    the guards the compiler calls by name, not ``__builtins__``; and writing into what
    ``vars()`` gives binds nothing (it is a copy, not the globals dict)."""
    program = textwrap.dedent(
        """
        a = 1
        match {"k": 1}:
            case {"k": v}:
                pass
        seen = [set(vars()), set(locals()), set(dir())]
        plumbing = [n for s in seen for n in s if n.startswith("__cm") or n == "__builtins__"]
        vars()["planted"] = 2
        try:
            planted
            planted_bound = True
        except NameError:
            planted_bound = False
        return {
            "hidden": plumbing,
            "program": sorted({"a", "v"} & seen[0]),
            "planted": planted_bound,
        }
        """
    )
    result = await run(driver, program)
    assert result.result == {"hidden": [], "program": ["a", "v"], "planted": False}, result.error
