"""Skills that call MCP servers' tools (``tools.<server>.<tool>``): they run where the
server is there, and where it is gone (not configured, down, or no longer listing the
tool) the call fails before the run with an error naming the tool, not counted as a run."""

from __future__ import annotations

from typing import Any

import pytest

from codemode_skills import create_code_mode
from codemode_skills.errors import ToolError
from codemode_skills.skills import SkillManager
from codemode_skills.skills.validation import called_server_tools
from codemode_skills.storage import open_storage

from .mcp_cases import probe

ECHO = {
    "name": "shout",
    "description": "Echo a text through the probe server, upper-cased",
    "code": "reply = await tools.probe.echo(text=input['text'])\nreturn reply['result'].upper()",
    "input_schema": {"type": "object", "properties": {"text": {"type": "string"}}},
}


def test_the_server_tools_a_skill_calls_are_read_from_its_code() -> None:
    code = "a = await tools.probe.echo(text='x')\nb = await tools.add(a=1, b=2)\n"
    code += "c = [await tools.time.now() for _ in range(2)]\nreturn tools.probe.echo"
    assert called_server_tools(code) == {("probe", "echo"), ("time", "now")}


async def test_a_skill_runs_with_its_server_and_fails_clearly_without_it(
    subprocess_driver: Any,
) -> None:
    storage = open_storage("memory://", tenant="acme")
    with_probe = create_code_mode(driver=subprocess_driver, mcp_servers={"probe": probe()})
    without = create_code_mode(driver=subprocess_driver)
    try:
        manager = SkillManager(storage, with_probe)
        await manager.register(ECHO, test_input={"text": "hi"})
        assert await manager.call("shout", {"text": "hey"}) == "HEY"
        runs = storage.get("shout").stats.executions

        elsewhere = SkillManager(storage, without)
        with pytest.raises(ToolError) as gone:
            await elsewhere.call("shout", {"text": "hey"})
        assert "tools.probe.echo" in str(gone.value)
        assert "no MCP server 'probe' is configured" in str(gone.value)
        # from a program too: a clear ToolError the program can catch, not a crash
        program = (
            "try:\n    await skills.shout(text='x')\nexcept ToolError as e:\n    return str(e)"
        )
        result = await elsewhere.execute(program)
        assert result.success and "tools.probe.echo" in result.result, result.error
        assert storage.get("shout").stats.executions == runs  # not counted as runs
    finally:  # (the driver is the fixture's: close the servers only)
        assert with_probe.mcp is not None
        await with_probe.mcp.close()


async def test_a_tool_the_server_no_longer_lists_is_named(subprocess_driver: Any) -> None:
    storage = open_storage("memory://", tenant="acme")
    mode = create_code_mode(driver=subprocess_driver, mcp_servers={"probe": probe()})
    try:
        manager = SkillManager(storage, mode)
        spec = {**ECHO, "name": "vanished", "code": "return await tools.probe.nope(text='x')"}
        await manager.register(spec)
        with pytest.raises(ToolError) as gone:
            await manager.call("vanished", {"text": "x"})
        assert "tools.probe.nope: the MCP server 'probe' has no tool 'nope'" in str(gone.value)
    finally:
        assert mode.mcp is not None
        await mode.mcp.close()
