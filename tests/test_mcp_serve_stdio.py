"""``codemode-skills mcp serve`` over stdio, driven by the SDK's own client.

The server is the CLI's child process; the client is ``mcp.Client`` (both protocol eras:
the handshake of 2025 and the 2026-07-28 envelope). What is checked is what a desktop
assistant would see: the tools, programs that call host tools and a proxied MCP server,
a skill that is registered, earns trust and then gets a tool of its own (with
``notifications/tools/list_changed``), the skills extension, scopes, and errors that
carry no host path or traceback.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from .mcp_cases import probe
from .mcp_serve_cases import (
    DOUBLE,
    WEATHER,
    call,
    extension,
    no_host_detail,
    payload,
    run,
    stdio_client,
    tool_names,
    until,
)

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

CORE = ["execute_python", "register_skill", "search_skills", "get_skill", "update_skill"]


def _store(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'skills.db'}"


async def test_execute_python_calls_host_tools_and_a_proxied_mcp_server(tmp_path: Path) -> None:
    config = tmp_path / "mcp.json"
    config.write_text(json.dumps({"mcpServers": {"probe": probe()}}))
    args = ["--storage", _store(tmp_path), "--tools", WEATHER, "--mcp-config", str(config)]
    async with stdio_client(*args) as client:
        listed = (await client.list_tools()).tools
        assert [t.name for t in listed] == CORE
        execute = listed[0]
        # the program's rules and every stub travel with the tool a client shows its model
        assert "async def get_weather(" in execute.description
        assert "`await tools.probe.<tool>(...)`" in execute.description
        assert "async def forecast(" in execute.description
        answer = await run(
            client,
            "import asyncio\n"
            "w, f = await asyncio.gather(tools.get_weather(city='Oslo'),\n"
            "                            tools.probe.forecast(city='Lima', hours=1))\n"
            "print('two calls')\n"
            "return [w['conditions'], f['city'], len(f['readings'])]",
        )
    assert answer == {"success": True, "result": ["sleet", "Lima", 1], "logs": ["two calls"]}


async def _until_listed(client: Any, name: str, changes: list[Any], before: int) -> bool:
    """Wait for a list change after ``before`` notifications, then for ``name`` listed."""
    assert await until(lambda: len(changes) > before), "no notifications/tools/list_changed"
    return name in await tool_names(client)


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_a_registered_skill_gets_its_own_tool_once_promoted(
    tmp_path: Path, mode: str
) -> None:
    """Relaxed trust: provisional after 3 good runs from 2+ requests, which is what an
    unattended caller needs, so the skill is then listed; list_changed says so."""
    import anyio

    changes: list[Any] = []

    async def on_message(message: Any) -> None:  # handshake era: the standalone channel
        if type(message).__name__ == "ToolListChangedNotification":
            changes.append(message)

    args = ["--storage", _store(tmp_path), "--trust", "relaxed", "--tenant", "acme"]
    async with stdio_client(*args, mode=mode, message_handler=on_message) as client:
        async with anyio.create_task_group() as group:
            if client.protocol_version >= "2026":  # the modern era: a listen stream

                async def listen() -> None:
                    async with client.listen(tools_list_changed=True) as events:
                        async for event in events:
                            changes.append(event)

                group.start_soon(listen)
            registered = payload(await call(client, "register_skill", **DOUBLE))
            assert registered["trust"] == "untrusted"
            assert await tool_names(client) == CORE  # not a tool of its own yet
            seen = len(changes)
            for x in (1, 2, 3):
                answer = await run(client, f"return await skills.double_it(x={x})")
                assert answer["result"] == {"value": 2 * x}, answer
            assert await _until_listed(client, "double_it", changes, seen)
            tool = next(t for t in (await client.list_tools()).tools if t.name == "double_it")
            assert tool.input_schema == DOUBLE["input_schema"]
            assert tool.output_schema == DOUBLE["output_schema"]
            direct = await call(client, "double_it", x=21)
            assert direct.structured_content == {"value": 42} and not direct.is_error
            group.cancel_scope.cancel()


async def test_trusted_skills_are_served_through_the_skills_extension(tmp_path: Path) -> None:
    args = ["--storage", _store(tmp_path), "--trust", "always"]
    async with stdio_client(*args) as client:
        assert "io.modelcontextprotocol/skills" in client.server_capabilities.extensions
        await call(client, "register_skill", **DOUBLE)
        listing = await extension(client, "skills/list")
        (entry,) = listing["skills"]
        assert entry["uri"] == "skill://double-it/SKILL.md"
        assert entry["frontmatter"]["name"] == "double-it"
        assert entry["frontmatter"]["description"] == "Double a number."
        got = await extension(client, "skills/get", uri=entry["uri"])
        assert got["skill"] == entry
        read = await client.read_resource(entry["uri"])
        text = read.contents[0].text
        data = text.encode()
        (file,) = entry["resources"]
        assert file["digest"] == "sha256:" + hashlib.sha256(data).hexdigest()
        assert file["size"] == len(data)
        assert "await skills.double_it(" in text and "input['x'] * 2" in text
        resources = (await client.list_resources()).resources
        assert [str(r.uri) for r in resources] == [entry["uri"]]
        from mcp.shared.exceptions import MCPError

        with pytest.raises(MCPError):  # -32602 for a skill it does not serve
            await extension(client, "skills/get", uri="skill://nothing-here/SKILL.md")


async def test_a_missing_scope_is_a_clear_error_and_audited(tmp_path: Path) -> None:
    from mcp.shared.exceptions import MCPError

    audit = tmp_path / "audit.jsonl"
    args = ["--storage", _store(tmp_path), "--scopes", "code:execute", "--audit", str(audit)]
    async with stdio_client(*args, "--tenant", "acme") as client:
        assert (await run(client, "return 1"))["result"] == 1
        with pytest.raises(MCPError) as refused:
            await call(client, "register_skill", **DOUBLE)
        assert "needs scope(s) skills:write" in str(refused.value)
        with pytest.raises(MCPError):
            await extension(client, "skills/list")
        assert payload(await call(client, "execute_python", code="return 2"))["result"] == 2
    records = [json.loads(line) for line in audit.read_text().splitlines()]
    refusals = [r for r in records if r["outcome"] == "refused"]
    assert {r["target"] for r in refusals} == {"register_skill", "reading skills"}
    assert all(r["tenant"] == "acme" and r["detail"]["error"] == "ScopeDenied" for r in refusals)


async def test_no_host_path_or_traceback_reaches_the_client(tmp_path: Path) -> None:
    """A program's error, a refused registration, an unknown tool: the client reads the
    library's messages, never a host path or frame (the HTTP tests add a storage fault)."""
    from mcp.shared.exceptions import MCPError

    args = ["--storage", _store(tmp_path), "--tools", WEATHER]
    async with stdio_client(*args) as client:
        answer = await run(client, "def f():\n    return 1 / 0\nreturn f()")
        assert answer["error"]["type"] == "ZeroDivisionError"
        bad = await call(client, "register_skill", name="oops", code="return (", description="x")
        assert bad.is_error
        with pytest.raises(MCPError) as unknown:
            await call(client, "no_such_tool")
    for text in (json.dumps(answer), bad.content[0].text, str(unknown.value)):
        no_host_detail(text, tmp_path)
