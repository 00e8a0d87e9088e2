"""MCP servers' lives: lazy start, sharing, crashes and restarts, list changes, closing.

Real server processes throughout (our probe on the SDK's ``MCPServer``, and the npm
memory server); "no orphans" is checked on the process table, not on our bookkeeping.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
from typing import Any

import pytest

from codemode_skills import create_code_mode

from .mcp_cases import ROOT, gone, memory_server, probe, running

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


async def _closed(mode: Any) -> None:
    await mode.mcp.close()
    mode.events.close()


async def _until(predicate: Any, attempts: int = 200) -> bool:
    """Poll ``predicate`` (bounded: attempts x 50 ms)."""
    for _ in range(attempts):
        if predicate():
            return True
        await asyncio.sleep(0.05)
    return predicate()


async def test_servers_start_lazily_and_close_without_orphans(subprocess_driver: Any) -> None:
    mode = create_code_mode(
        driver=subprocess_driver, mcp_servers={"probe": probe(), "memory": memory_server()}
    )
    assert not mode.mcp.started  # nothing runs before a program or start()
    result = await mode.execute(
        "import asyncio\n"
        "pid, graph = await asyncio.gather(tools.probe.pid(), tools.memory.read_graph())\n"
        "return [pid['result'], sorted(graph)]"
    )
    assert result.success, result.error
    pid, keys = result.result
    assert keys == ["entities", "relations"]
    memory_pid = mode.mcp.connection("memory").pid
    assert pid == mode.mcp.connection("probe").pid and running(pid) and running(memory_pid)
    await _closed(mode)
    assert gone(pid) and gone(memory_pid)


async def test_code_modes_with_the_same_config_share_one_server(subprocess_driver: Any) -> None:
    first = create_code_mode(driver=subprocess_driver, mcp_servers={"probe": probe()})
    second = create_code_mode(driver=subprocess_driver, mcp_servers={"p2": probe()})
    other = create_code_mode(driver=subprocess_driver, mcp_servers={"probe": probe(X="1")})
    try:
        pids = [
            (await mode.execute(f"return await tools.{name}.pid()")).result["result"]
            for mode, name in ((first, "probe"), (second, "p2"), (other, "probe"))
        ]
        assert pids[0] == pids[1] != pids[2]  # another environment: another process
        await _closed(first)
        still = await second.execute("return await tools.p2.pid()")
        assert still.result["result"] == pids[0]  # the other holder keeps it running
    finally:
        await _closed(second)
        await _closed(other)
    assert gone(pids[0]) and gone(pids[2])


async def test_a_server_killed_mid_call_fails_cleanly_then_recovers(
    subprocess_driver: Any,
) -> None:
    mode = create_code_mode(driver=subprocess_driver, mcp_servers={"probe": probe()})
    try:
        await mode.start()
        connection = mode.mcp.connection("probe")
        old = connection.pid
        call = asyncio.ensure_future(mode.execute("return await tools.probe.slow(seconds=60)"))
        await asyncio.sleep(0.5)  # the call is in flight (a wrong guess fails below)
        os.kill(old, signal.SIGKILL)
        result = await call
        assert result.error is not None and result.error.type == "ToolError"
        assert result.error.message == (
            "probe.slow() failed: the MCP server exited during the call "
            "(it is restarted on the next call)"
        )
        assert str(old) not in result.model_dump_json() and "Traceback" not in result.error.message
        again = await mode.execute("return await tools.probe.pid()")
        assert again.success, again.error
        assert again.result["result"] == connection.pid != old
    finally:
        await _closed(mode)


async def test_a_server_that_keeps_crashing_is_reported_down(subprocess_driver: Any) -> None:
    mode = create_code_mode(driver=subprocess_driver, mcp_servers={"probe": probe()})
    try:
        await mode.start()
        connection = mode.mcp.connection("probe")
        connection.backoff_s = 0.05  # (the backoff's length is not what this test is about)
        messages = []
        for _ in range(connection.max_failures):
            result = await mode.execute("return await tools.probe.crash()")
            messages.append(result.error.message)
        assert all("exited during the call" in m for m in messages)
        assert connection.state == "down"
        refused = await mode.execute("return await tools.probe.echo(text='x')")
        assert refused.error is not None and refused.error.type == "ToolError"
        assert "the MCP server is down (the server process exited; it failed 3 times" in (
            refused.error.message
        )
        assert "this server is unavailable" in mode.system_prompt
    finally:
        await _closed(mode)


async def test_a_tool_list_change_reaches_the_next_execution(subprocess_driver: Any) -> None:
    mode = create_code_mode(driver=subprocess_driver, mcp_servers={"probe": probe()})
    try:
        await mode.start()
        assert "async def fresh_tool(" not in mode.system_prompt
        connection = mode.mcp.connection("probe")
        version = connection.version
        added = await mode.execute("return await tools.probe.grow(name='fresh-tool')")
        assert added.success, added.error
        assert await _until(lambda: connection.version > version)
        assert "async def fresh_tool() -> " in mode.system_prompt
        assert "(MCP tool 'fresh-tool')" in mode.system_prompt
        called = await mode.execute("return await tools.probe.fresh_tool()")
        assert called.result == {"result": "fresh-tool"}, called.error
    finally:
        await _closed(mode)


async def test_a_server_that_cannot_start_is_reported_not_raised(subprocess_driver: Any) -> None:
    broken = {"command": sys.executable, "args": ["-c", "import sys; sys.exit(7)"]}
    mode = create_code_mode(
        driver=subprocess_driver, mcp_servers={"broken": broken, "probe": probe()}
    )
    try:
        await mode.start()
        prompt = mode.system_prompt
        assert "MCP server `broken`" in prompt and "this server is unavailable" in prompt
        assert sys.executable not in prompt  # no command line or host path for the model
        result = await mode.execute("return await tools.probe.echo(text='fine')")
        assert result.result == {"result": "fine"}
        missing = await mode.execute("return await tools.broken.anything()")
        assert missing.error is not None and missing.error.type == "AttributeError"
    finally:
        await _closed(mode)


#: The host leaves without closing anything, and without ``asyncio.run``'s clean-up
#: (which would cancel the connection's task and let the SDK stop the server): its loop is
#: abandoned, as a host that exits with its loop still running leaves it.
EXIT_WITHOUT_CLOSE = textwrap.dedent(
    """
    import asyncio, sys
    from codemode_skills import InProcessDriver, create_code_mode
    from tests.mcp_cases import probe

    async def main():
        servers = {"probe": probe(PROBE_LINGER="1")}  # it ignores the end of its stdin
        mode = create_code_mode(driver=InProcessDriver(), mcp_servers=servers)
        result = await mode.execute("return await tools.probe.pid()")
        print(result.result["result"], flush=True)

    loop = asyncio.new_event_loop()
    loop.run_until_complete(main())
    sys.exit(0)
    """
)


def test_no_server_outlives_the_interpreter() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", EXIT_WITHOUT_CLOSE],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    pid = int(proc.stdout.split()[0])
    assert gone(pid, within_s=5)


async def test_a_skills_session_lists_and_calls_mcp_tools(subprocess_driver: Any) -> None:
    from codemode_skills import code_mode_with_skills

    session = await code_mode_with_skills(
        storage="memory://",
        embedder=None,
        driver=subprocess_driver,
        mcp_servers={"probe": probe()},
    )
    try:
        assert "MCP server `probe`" in session.system_prompt
        assert "async def forecast(" in session.system_prompt
        tool = next(t for t in session.registry if t.name == "execute_python")
        out = await tool.invoke({"code": "return await tools.probe.echo(text='via session')"})
        assert out["result"] == {"result": "via session"}, out
        pid = session.code_mode.mcp.connection("probe").pid
    finally:
        await session.close()
    assert gone(pid)  # the session made the code mode: closing it stops the server
