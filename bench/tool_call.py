"""The cost of one bridged tool call, against Monty's host-function call and HTTP JSON-RPC.

Each contender runs a program making N sequential calls ``add(a=i, b=1)`` and the same
program making none; per-call cost = (with calls - without) / N, paired per round. A second
table splits the cost into CPU of the host process and of the sandbox process(es), read
from /proc (the SubprocessDriver's workers are reaped by its template, so their CPU shows
in the template's cutime/cstime; Monty's workers are live children of this process).

Run: ``python bench/tool_call.py [--quick] [--json] [--calls 200] [--pause 0.05]``
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import json
import os
import threading
import time
from collections.abc import Awaitable, Callable
from http.server import BaseHTTPRequestHandler, HTTPServer

from _common import Row, Table, Target, fmt, otel_note, parse_args, perf, progress, report
from pydantic_monty import AsyncMonty, Monty

from codemode_skills import (
    CodeMode,
    ExecutionContext,
    InProcessDriver,
    SubprocessDriver,
    create_code_mode,
    tool,
)
from codemode_skills.security import MemoryAuditLog

SUB, INPROC = "codemode subprocess (bridged call)", "codemode in-process driver"
SECURED = "codemode subprocess + context (token, scope, audit)"
MONTY, AMONTY = "Monty host function (sync)", "Monty host function (AsyncMonty, async fn)"
HTTP = "HTTP JSON-RPC on 127.0.0.1 (keep-alive)"
Run = Callable[[bool], Awaitable[object]]  # run(with_calls) -> result


@tool
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def programs(n: int, ours: bool, awaited: bool) -> tuple[str, str]:
    call = ("await tools.add" if ours else "await add") if awaited else "add"
    tail = "return x" if ours else "x"
    head = f"x = 0\nfor i in range({n}):\n"
    return head + f"    x = {call}(a=i, b=1)\n{tail}", head + f"    x = i + 1\n{tail}"


class RpcHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    disable_nagle_algorithm = True

    def do_POST(self) -> None:
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        params = request["params"]
        body = json.dumps(
            {"jsonrpc": "2.0", "id": request["id"], "result": params["a"] + params["b"]}
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def http_runner(n: int, stack: contextlib.AsyncExitStack) -> Run:
    server = HTTPServer(("127.0.0.1", 0), RpcHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    stack.callback(server.server_close)
    stack.callback(server.shutdown)
    conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1])
    stack.callback(conn.close)
    headers = {"Content-Type": "application/json"}

    async def run(with_calls: bool) -> object:
        x = 0
        for i in range(n):
            if with_calls:
                body = json.dumps(
                    {"jsonrpc": "2.0", "id": i, "method": "add", "params": {"a": i, "b": 1}}
                )
                conn.request("POST", "/rpc", body, headers)
                x = json.loads(conn.getresponse().read())["result"]
            else:
                x = i + 1
        return x

    return run


def children(marker: bytes) -> set[int]:
    """Live child processes of this process whose command line contains ``marker``."""
    found = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read()
        except OSError:
            continue
        if ppid == os.getpid() and marker in cmdline:
            found.add(int(entry))
    return found


def proc_cpu(pids: set[int]) -> float:
    """utime + stime + cutime + cstime of ``pids``, in seconds."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError), open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
            total += sum(int(v) for v in fields[11:15])
    return total / os.sysconf("SC_CLK_TCK")


async def main() -> None:
    def extra(p: argparse.ArgumentParser) -> None:
        p.add_argument("--calls", type=int, default=200, help="calls per program")
        p.add_argument("--pause", type=float, default=0.05, help="seconds before each run")

    args = parse_args(__doc__.splitlines()[0], extra)
    n, pause, rounds = args.calls, args.pause, 8 if args.quick else 40
    async with contextlib.AsyncExitStack() as stack:
        sub = await stack.enter_async_context(
            create_code_mode([add], driver=SubprocessDriver(pool_size=1))
        )
        inproc = await stack.enter_async_context(create_code_mode([add], driver=InProcessDriver()))
        helpers = {SUB: children(b"codemode_skills.sandbox.jail.template")}
        # every call verifies the execution token, checks the tool's scope, writes an audit
        # record (its template's CPU is not split out: "-" in the CPU table)
        secured = await stack.enter_async_context(
            create_code_mode(
                [tool(add.fn, scopes={"math"})],
                audit=MemoryAuditLog(),
                driver=SubprocessDriver(pool_size=1),
            )
        )
        context = ExecutionContext(tenant="bench", user="u", scopes={"math"})
        limits = {"max_suspensions": 4 * n * (rounds + 10)}  # counted per checkout
        monty = stack.enter_context(stack.enter_context(Monty()).checkout(limits=limits))
        monty.feed_run("1")
        helpers[MONTY] = children(b"monty") - helpers[SUB]
        apool = await stack.enter_async_context(AsyncMonty())
        amonty = await stack.enter_async_context(apool.checkout(limits=limits))
        await amonty.feed_run("1")
        helpers[AMONTY] = children(b"monty") - helpers[SUB] - helpers[MONTY]

        async def aadd(a: int, b: int) -> int:
            return a + b

        def ours(cm: CodeMode, ctx: ExecutionContext | None = None) -> Run:
            with_calls, without = programs(n, ours=True, awaited=True)

            async def run(calls: bool) -> object:
                result = await cm.execute(with_calls if calls else without, context=ctx)
                if not result.success:
                    raise RuntimeError(f"execute failed: {result.error}")
                return result.result

            return run

        async def monty_run(calls: bool) -> object:
            code = programs(n, ours=False, awaited=False)[0 if calls else 1]
            return monty.feed_run(code, external_lookup={"add": add.fn})

        async def amonty_run(calls: bool) -> object:
            code = programs(n, ours=False, awaited=True)[0 if calls else 1]
            return await amonty.feed_run(code, external_lookup={"add": aadd})

        runners: dict[str, Run] = {
            SUB: ours(sub),
            SECURED: ours(secured, context),
            INPROC: ours(inproc),
            MONTY: monty_run,
            AMONTY: amonty_run,
            HTTP: http_runner(n, stack),
        }
        progress("warming up", args.json)
        for run in runners.values():
            for calls in (True, False, True, False):
                assert await run(calls) == n, "wrong result"
        names = list(runners)
        per_call: dict[str, list[float]] = {name: [] for name in names}
        # sums per (contender, with_calls): wall, host CPU, sandbox-process CPU
        sums = {(name, c): [0.0, 0.0, 0.0] for name in names for c in (True, False)}
        last = {name: (proc_cpu(helpers.get(name, set())), True) for name in names}
        progress(f"{rounds} rounds, {n} calls per program, {pause * 1e3:g} ms pauses", args.json)
        for i in range(rounds + 1):
            for name in names[i % len(names) :] + names[: i % len(names)]:
                walls = {}
                for calls in (True, False):
                    await asyncio.sleep(pause)
                    cpu_now = proc_cpu(helpers.get(name, set()))  # the previous worker is reaped
                    cpu_before, prev_calls = last[name]
                    if i > 0 or not calls:
                        sums[name, prev_calls][2] += cpu_now - cpu_before
                    last[name] = (cpu_now, calls)
                    if i == rounds:
                        break  # the last pass only settles the sandbox CPU of the last run
                    host, started = time.process_time(), perf()
                    await runners[name](calls)
                    walls[calls] = perf() - started
                    sums[name, calls][0] += walls[calls]
                    sums[name, calls][1] += time.process_time() - host
                if i < rounds:
                    per_call[name].append((walls[True] - walls[False]) / n)

    table = Table(
        f"cost of one call ({n} sequential calls minus none, paired per round)",
        [Row(name, per_call[name]) for name in names],
        reference=MONTY,
    )
    rows = []
    for name in names:
        wall, host, sandbox = (
            (sums[name, True][k] - sums[name, False][k]) / (rounds * n) for k in range(3)
        )
        rows.append(
            Row(
                name,
                [wall],
                {
                    "host CPU/call": fmt(host),
                    "sandbox CPU/call": fmt(sandbox) if name in helpers else "-",
                },
            )
        )
    cpu = Table(
        "CPU per call (means over all rounds; /proc CPU has 10 ms ticks)",
        rows,
        reference=MONTY,
        note="median = mean wall time per call; n is 1 aggregate.",
    )
    ours_cost, ratio = table.row(SUB).median, table.ratio(SUB)
    targets = [
        Target(
            "a bridged call no slower than Monty's host call",
            ratio <= 1.0,
            f"{fmt(ours_cost)} vs {fmt(table.row(MONTY).median)} ({ratio:.2f}x Monty "
            f"sync; {ours_cost / table.row(AMONTY).median:.2f}x AsyncMonty)",
        )
    ]
    secured_cost = table.row(SECURED).median
    notes_security = (
        f"security per call (token + scope + audit record): "
        f"{fmt(secured_cost - ours_cost)} ({secured_cost / ours_cost:.2f}x the plain call)"
    )
    notes = [x for x in [otel_note(), notes_security] if x]
    notes.append("the HTTP server runs on a thread of this process, so it shares the GIL")
    report("bench/tool_call.py", [table, cpu], targets, args.json, notes)


if __name__ == "__main__":
    asyncio.run(main())
