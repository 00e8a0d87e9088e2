"""The class graph upwards is readable on a program's own classes (``C.__mro__``,
``C.__bases__``, ``C.__base__``, ``C.mro()``, as introspecting programs print them) and
refused on every other class; ``__subclasses__`` (the way down, to every class of the
interpreter) is refused everywhere, and what the ancestry reaches keeps its own rules."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from .conftest import run


async def test_a_program_class_shows_its_ancestry_as_cpython(driver: Any) -> None:
    program = textwrap.dedent(
        """
        class A: pass
        class B(A): pass
        class C(B, dict): pass
        names = lambda classes: [k.__name__ for k in classes]
        result = [names(C.__mro__), names(C.mro()), names(C.__bases__), C.__base__.__name__,
                  hasattr(C, "__mro__"), getattr(C, "__bases__", None) == (B, dict)]
        """
    )
    expected = [["C", "B", "A", "dict", "object"]] * 2 + [["B", "dict"], "dict", True, True]
    result = await run(driver, program + "return result")
    assert result.result == expected, result.error


@pytest.mark.parametrize(
    "program",
    [
        "return int.__mro__",
        "import json\nreturn json.JSONEncoder.__bases__",
        "return ().__class__.__base__",
        "return type.mro(int)",
        "class A: pass\nreturn A.__subclasses__()",
        "class A: pass\nreturn A.__mro__[-1].__subclasses__()",
        "class A: pass\nreturn getattr(A.__mro__[-1], '__bases__')",
        "import asyncio\nclass Q(asyncio.Queue): pass\nreturn Q.__mro__[2]._get_loop",
        "import asyncio\nclass Q(asyncio.Queue): pass\nreturn Q.__mro__[2].__dict__",
        "import json\nclass E(json.JSONEncoder): pass\nE.__mro__[1].encode = print",
        "class A: pass\nA.__bases__ = (dict,)",
        "class M(type): pass\nclass A(metaclass=M): pass\nreturn type(A).__mro__[1].__subclasses__",
    ],
)
async def test_everything_else_in_the_class_graph_stays_refused(driver: Any, program: str) -> None:
    result = await run(driver, program + "\nreturn 'reached'")
    assert not result.success, (program, result.result)
    assert result.error is not None
    assert result.error.type in ("PolicyViolation", "TypeError"), result.error
