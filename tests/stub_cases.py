"""Helpers shared by the stub renderer's tests: every rendered stub must be valid Python."""

from __future__ import annotations

import warnings

from pydantic import BaseModel

from codemode_skills.tools.stubs import StubContext, render_function_stub, schema_to_annotation

PRELUDE = "from typing import Any, Literal, NotRequired, TypedDict\n\n"


def valid(text: str) -> str:
    """Assert the stub text is valid Python (compile also catches e.g. duplicate params).

    Warnings such as "invalid escape sequence" count as failures too.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        compile(PRELUDE + text, "<stub>", "exec")
    return text


def ann(schema: dict, ctx: StubContext | None = None) -> str:
    """Annotation for a schema, checking that it and any class stubs are valid Python."""
    ctx = ctx or StubContext()
    result = schema_to_annotation(schema, ctx)
    valid(f"{ctx.render_classes()}\n\nx: {result}\n")
    return result


def stub(
    name: str, desc: str, inp: dict, out: dict | None, ctx: StubContext | None = None
) -> tuple[str, str]:
    """Function stub plus the classes it needed, both checked for validity."""
    ctx = ctx or StubContext()
    func = valid(render_function_stub(name, desc, inp, out, ctx))
    classes = valid(ctx.render_classes())
    valid(classes + "\n\n" + func)
    return func, classes


class Node(BaseModel):
    """A tree node."""

    name: str
    children: list[Node] = []
    parent: Node | None = None
