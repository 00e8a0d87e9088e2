"""Nested tool namespaces (``tools.<server>.<tool>``) in the sandbox, on both drivers.

The host and the wire name a nested tool flat (``srv__echo``); the program sees
``tools.srv.echo``. No MCP server is needed: host tools with flat names stand in. A
nested namespace must hold no more than ``tools`` does (F03): the attacks below try to
reach the call function, the run or the channel through it.
"""

from __future__ import annotations

from typing import Any

import pytest

from codemode_skills import tool

from .conftest import add, run

REFUSED = ("PolicyViolation", "AttributeError")


@tool(name="srv__echo")
def srv_echo(text: str, times: int = 1) -> str:
    """Echo (a stand-in for an MCP server's tool)."""
    return text * times


@tool(name="srv__hidden")
async def srv_hidden() -> str:
    """Another tool of the same server."""
    return "hidden"


TOOLS = [add, srv_echo, srv_hidden]


async def test_nested_tools_are_called_by_their_flat_names(driver: Any) -> None:
    code = (
        "import asyncio\n"
        "a, b = await asyncio.gather(tools.srv.echo(text='ab', times=2), tools.srv.hidden())\n"
        "return [a, b, await tools.srv.echo('x', 3), await tools.add(a=1, b=2),\n"
        "        dir(tools), dir(tools.srv), repr(tools.srv), tools.srv is tools.srv]"
    )
    result = await run(driver, code, tools=TOOLS)
    assert result.success, result.error
    assert result.result == [
        "abab",
        "hidden",
        "xxx",
        3,
        ["add", "srv"],
        ["echo", "hidden"],
        "<tools: echo, hidden>",
        True,
    ]


async def test_an_unknown_nested_tool_names_its_server(driver: Any) -> None:
    result = await run(driver, "return await tools.srv.nope()", tools=TOOLS)
    assert result.error is not None and result.error.type == "AttributeError"
    assert result.error.message == (
        "there is no tool named 'nope' on 'srv' (available: echo, hidden)"
    )


NESTED_ATTACKS = {
    "resolve": "tools.srv._resolve",
    "vars": "vars(tools.srv)",
    "dict": "tools.srv.__dict__",
    "getattr_dict": "getattr(tools.srv, '__dict__')",
    "closure": "tools.srv.echo.__closure__",
    "globals": "tools.srv.echo.__globals__",
    "known": "tools.srv._known",
    "object_getattribute": "object.__getattribute__(tools.srv, '_resolve')",
    "from_tools_dict": "vars(tools)['srv']",
    "dunder_name": "tools.srv.__class__.__init__.__code__",
}


@pytest.mark.parametrize("name", sorted(NESTED_ATTACKS))
async def test_a_nested_namespace_leaks_nothing(driver: Any, name: str) -> None:
    result = await run(driver, NESTED_ATTACKS[name] + "\nreturn 'escaped'", tools=TOOLS)
    assert not result.success, f"{name} was not refused: {result.result!r}"
    assert result.error is not None and result.error.type in REFUSED, result.error


async def test_a_nested_call_cannot_name_a_tool_outside_its_server(driver: Any) -> None:
    """``tools.srv`` prefixes every name it is asked for: it cannot reach ``add``, nor a
    flat name of another server, whatever attribute the program asks it for."""
    code = (
        "found = []\n"
        "for name in ['add', 'srv__echo', '__echo', 'echo.x']:\n"
        "    try:\n"
        "        getattr(tools.srv, name)\n"
        "        found.append(name)\n"
        "    except (AttributeError, PolicyViolation):\n"
        "        pass\n"
        "return found"
    )
    result = await run(driver, code, tools=TOOLS)
    assert result.success and result.result == [], result
