"""One MCP tool call through the sandbox, against the same call with the MCP SDK's client.

The server is ``tests/mcp_servers/probe.py`` (the SDK's ``MCPServer`` over stdio) and the
tool its ``echo(text)``, so the server's own work is next to nothing and the figures are
the transport's and ours. Contenders, all in one run, interleaved round-robin:

* the SDK's ``Client.call_tool`` on an open session (the reference; its own server process,
  started the same way), also as a single call after the pause;
* our connection on the host, no sandbox: ``Connection.call`` (the SDK call plus crash
  and timeout handling) and ``McpTool.invoke`` (plus the ``inputSchema`` check and the
  result's decoding), both on the code mode's own server process;
* a program doing ``await tools.probe.echo(...)`` once (SubprocessDriver), whole and
  minus a trivial execute (paired per round), and ten times: per call = (ten-call
  program - trivial) / 10, which leaves the execute's own overhead out; the ten-call
  program also on a driver that never polls (``spin_us=0``).

Host contenders are timed over ``--calls`` sequential calls per sample, divided.

Run: ``python bench/mcp.py [--quick] [--json] [--calls 10] [--pause 0.02]``
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from _common import Row, Table, Target, fmt, parse_args, perf, progress, report

# This file is called ``mcp.py``: with its directory on the path, ``import mcp`` (ours,
# and the library's, when a server starts) would load this script instead of the SDK.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

from codemode_skills import CodeMode, SubprocessDriver, create_code_mode  # noqa: E402
from codemode_skills.mcp.names import flat_name  # noqa: E402

PROBE = _HERE.parent / "tests" / "mcp_servers" / "probe.py"
SERVER, TOOL, TEXT = "probe", "echo", "hello"
#: What every contender gets back: the probe declares ``str`` results, so the SDK gives
#: them as structured content ``{"result": ...}``, which is what a program receives too.
WANT = {"result": TEXT}
SDK = "MCP SDK Client.call_tool (direct)"
SDK_ONE = "MCP SDK Client.call_tool, 1 call after the pause"
CONN = "our Connection.call (host, no sandbox)"
INVOKE = "our McpTool.invoke (host: + input check, decode)"
ONE = "sandbox, 1 call, minus trivial execute"
ONE_WHOLE = "sandbox, 1 call, whole execute"
TEN = "sandbox, per call of a 10-call program, minus trivial"
TRIVIAL = "sandbox, trivial execute (return 1)"
QUIET = "sandbox, spin_us=0, per call of the same program, minus trivial"
TARGET = 1.10
Run = Callable[[], Awaitable[object]]


def program(calls: int) -> str:
    body = "".join(f"x = await tools.{SERVER}.{TOOL}(text={TEXT!r})\n" for _ in range(calls))
    return f"{body}return x"


def text_of(result: Any) -> object:
    """The value of an SDK ``CallToolResult``: its structured content, else its text."""
    if result.is_error:
        raise RuntimeError(f"the call failed: {result.content}")
    if result.structured_content is not None:
        return result.structured_content
    return result.content[0].text


async def execute(cm: CodeMode, code: str) -> object:
    result = await cm.execute(code)
    if not result.success:
        raise RuntimeError(f"execute failed: {result.error}")
    return result.result


async def host_runners(cm: CodeMode, stack: contextlib.AsyncExitStack) -> dict[str, Run]:
    """The three host-side ways to make the call, on open sessions."""
    from mcp import Client, StdioServerParameters

    sdk = await stack.enter_async_context(
        Client(StdioServerParameters(command=sys.executable, args=[str(PROBE)]))
    )
    assert cm.mcp is not None
    targets = await cm.mcp.targets()  # starts the code mode's server
    connection = cm.mcp.connection(SERVER)
    target = targets[flat_name(SERVER, TOOL)]
    label = f"{SERVER}.{TOOL}"

    async def direct() -> object:
        return text_of(await sdk.call_tool(TOOL, {"text": TEXT}))

    async def ours() -> object:
        return text_of(await connection.call(TOOL, {"text": TEXT}, label))

    async def invoke() -> object:
        return await target.invoke({"text": TEXT})

    return {SDK: direct, CONN: ours, INVOKE: invoke}


async def main() -> None:
    def extra(p: argparse.ArgumentParser) -> None:
        p.add_argument("--calls", type=int, default=10, help="calls per sample and program")
        p.add_argument("--pause", type=float, default=0.02, help="seconds before each run")

    args = parse_args(__doc__.splitlines()[0], extra)
    n, pause, rounds = args.calls, args.pause, 12 if args.quick else 80
    one, many = program(1), program(n)
    ten = f"sandbox, per call of a {n}-call program, minus trivial" if n != 10 else TEN
    mcp_servers = {SERVER: {"command": sys.executable, "args": [str(PROBE)]}}
    samples: dict[str, list[float]] = {
        k: [] for k in (SDK, SDK_ONE, CONN, INVOKE, ONE, ONE_WHOLE, ten, QUIET, TRIVIAL)
    }
    async with contextlib.AsyncExitStack() as stack:
        cm = await stack.enter_async_context(
            create_code_mode([], driver=SubprocessDriver(pool_size=1), mcp_servers=mcp_servers)
        )
        # a second code mode whose host and worker never poll for each other's messages
        # (the pool gives it the same server process)
        quiet = await stack.enter_async_context(
            create_code_mode(
                [], driver=SubprocessDriver(pool_size=1, spin_us=0), mcp_servers=mcp_servers
            )
        )
        host = await host_runners(cm, stack)

        async def sandboxed(code: str, calls: int, mode: CodeMode = cm) -> None:
            await asyncio.sleep(pause)
            started = perf()
            assert await execute(mode, code) == WANT
            whole = perf() - started
            await asyncio.sleep(pause)
            started = perf()
            assert await execute(mode, "return 1") == 1
            trivial = perf() - started
            if mode is quiet:
                samples[QUIET].append((whole - trivial) / calls)
                return
            samples[TRIVIAL].append(trivial)
            if calls == 1:
                samples[ONE].append(whole - trivial)
                samples[ONE_WHOLE].append(whole)
            else:
                samples[ten].append((whole - trivial) / calls)

        async def direct(name: str, calls: int = n) -> None:
            await asyncio.sleep(pause)
            started = perf()
            for _ in range(calls):
                value = await host[name]()
            samples[SDK_ONE if calls == 1 else name].append((perf() - started) / calls)
            assert value == WANT, (name, value)

        progress("warming up", args.json)
        for _ in range(3):
            for run in host.values():
                assert await run() == WANT
            for mode in (cm, quiet):
                assert await execute(mode, one) == WANT
                assert await execute(mode, many) == WANT
                await execute(mode, "return 1")
        jobs: list[Callable[[], Awaitable[None]]] = [
            *(lambda name=name: direct(name) for name in host),
            lambda: direct(SDK, 1),
            lambda: sandboxed(one, 1),
            lambda: sandboxed(many, n),
            lambda: sandboxed(many, n, quiet),
        ]
        progress(f"{rounds} rounds, {n} calls per sample, {pause * 1e3:g} ms pauses", args.json)
        for i in range(rounds):
            for job in jobs[i % len(jobs) :] + jobs[: i % len(jobs)]:
                await job()

    table = Table(
        f"cost of one MCP tool call ({SERVER}.{TOOL}, stdio)",
        [Row(name, values) for name, values in samples.items()],
        reference=SDK,
        note=f"host rows: mean of {n} sequential calls per sample (but the single call); "
        "sandbox rows: paired with a trivial execute in the same round. Every sample "
        f"follows a {pause * 1e3:g} ms pause: the first call after one is the slowest",
    )
    ratio = table.ratio(ten)
    overhead = table.row(ten).median - table.row(SDK).median
    targets = [
        Target(
            f"a call from a sandboxed program within {TARGET:.2f}x of the SDK's direct call",
            ratio <= TARGET,
            f"{fmt(table.row(ten).median)} vs {fmt(table.row(SDK).median)} ({ratio:.2f}x; "
            f"{fmt(overhead)} more per call)",
        ),
        Target(
            "a program with one call, minus a trivial execute",
            None,
            f"{fmt(table.row(ONE).median)}: {table.ratio(ONE):.2f}x the SDK call, "
            f"{table.ratio(ONE) / table.ratio(SDK_ONE):.2f}x its single call after the same pause",
        ),
        Target(
            "our host-side call (Connection.call / McpTool.invoke)",
            None,
            f"{table.ratio(CONN):.2f}x / {table.ratio(INVOKE):.2f}x the SDK call",
        ),
        Target(
            "the bridge's share of a sandboxed call (10-call program minus McpTool.invoke)",
            None,
            f"{fmt(table.row(ten).median - table.row(INVOKE).median)} per call",
        ),
    ]
    notes = [
        "the SDK's client talks to its own process of the same server, started the same "
        "way; ours share the code mode's process",
        "the sandboxed call crosses the bridge (worker -> host) and then makes the same "
        "McpTool.invoke as the host row",
    ]
    report("bench/mcp.py", [table], targets, args.json, notes)


if __name__ == "__main__":
    asyncio.run(main())
