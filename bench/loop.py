"""A pure-Python loop of 200,000 iterations: our sandbox vs plain CPython, Monty and
smolagents' LocalPythonExecutor.

The same loop text runs everywhere, its last line adapted per peer: ``return total`` in our
sandbox (the body of an async function), ``total`` as the last expression for Monty and
smolagents, and an assignment for the CPython reference, which runs the text at module
level through ``exec`` (ratio 1.0); CPython is also timed with the loop inside a function
(fast locals). Our execute is reported whole and minus a trivial execute (paired per round).

Run: ``python bench/loop.py [--quick] [--json] [--iterations 200000]``
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import cast

from _common import Row, Table, Target, fmt, otel_note, parse_args, perf, progress, report
from pydantic_monty import Monty
from smolagents.local_python_executor import LocalPythonExecutor

from codemode_skills import CodeMode, InProcessDriver, SubprocessDriver, create_code_mode

EXEC = "plain CPython, module level (exec)"
FUNC = "plain CPython, inside a function"
SUB = "codemode subprocess, minus trivial execute"
SUB_TOTAL = "codemode subprocess, whole execute"
INPROC = "codemode in-process driver, minus trivial"
MONTY = "Monty warm session (sync)"
SMOL = "smolagents LocalPythonExecutor"


def loop_text(n: int, last: str) -> str:
    return f"total = 0\nfor i in range({n}):\n    total += i * i % 7\n{last}"


def expected(n: int) -> int:
    return sum(i * i % 7 for i in range(n))


async def main() -> None:
    args = parse_args(
        __doc__.splitlines()[0],
        lambda p: p.add_argument("--iterations", type=int, default=200_000, help="loop iterations"),
    )
    n, pause = args.iterations, 0.05
    # smolagents takes seconds per run: it runs in every `smol_every`-th round only
    rounds, smol_every = (3, 1) if args.quick else (24, 4)
    want = expected(n)
    module_code = compile(loop_text(n, "result = total"), "<loop>", "exec")
    func_ns: dict[str, object] = {}
    body = "\n".join("    " + line for line in loop_text(n, "return total").splitlines())
    exec(compile(f"def loop():\n{body}\n", "<loop>", "exec"), func_ns)
    func = cast(Callable[[], object], func_ns["loop"])
    smol = LocalPythonExecutor(additional_authorized_imports=[])
    smol.send_tools({})
    ours_code, monty_code = loop_text(n, "return total"), loop_text(n, "total")

    async with contextlib.AsyncExitStack() as stack:
        sub = await stack.enter_async_context(create_code_mode([], driver=SubprocessDriver()))
        inproc = await stack.enter_async_context(create_code_mode([], driver=InProcessDriver()))
        monty = stack.enter_context(stack.enter_context(Monty()).checkout())

        def plain_exec() -> object:
            ns: dict[str, object] = {}
            exec(module_code, ns)
            return ns["result"]

        async def ours(cm: CodeMode, code: str) -> object:
            result = await cm.execute(code)
            if not result.success:
                raise RuntimeError(f"execute failed: {result.error}")
            return result.result

        sync: dict[str, Callable[[], object]] = {
            EXEC: plain_exec,
            FUNC: func,
            MONTY: lambda: monty.feed_run(monty_code),
            SMOL: lambda: smol(monty_code).output,
        }
        pairs = {SUB: sub, INPROC: inproc}
        samples: dict[str, list[float]] = {name: [] for name in [*sync, *pairs, SUB_TOTAL]}
        progress("warming up", args.json)
        for name, run in sync.items():
            if name != SMOL:
                assert run() == want, name
        for cm in pairs.values():
            for _ in range(2):
                assert await ours(cm, ours_code) == want
                await ours(cm, "return 1")
        progress(f"{rounds} rounds (smolagents in every {smol_every}th)", args.json)
        names = [*sync, *pairs]
        for i in range(rounds):
            for name in names[i % len(names) :] + names[: i % len(names)]:
                if name == SMOL and i % smol_every:
                    continue
                await asyncio.sleep(pause)
                if name in sync:
                    started = perf()
                    value = sync[name]()
                    samples[name].append(perf() - started)
                    assert value == want, (name, value)
                    continue
                started = perf()
                value = await ours(pairs[name], ours_code)
                whole = perf() - started
                assert value == want, (name, value)
                await asyncio.sleep(pause)
                started = perf()
                await ours(pairs[name], "return 1")
                trivial = perf() - started
                samples[name].append(whole - trivial)
                if name == SUB:
                    samples[SUB_TOTAL].append(whole)

    order = [EXEC, FUNC, SUB, SUB_TOTAL, INPROC, MONTY, SMOL]
    table = Table(
        f"a {n:,}-iteration pure-Python loop", [Row(k, samples[k]) for k in order], reference=EXEC
    )
    for row in table.rows:
        row.extra["× function"] = f"{row.median / table.row(FUNC).median:.2f}"
    ratio = table.ratio(SUB)
    targets = [
        Target(
            "ours within 1.3x of plain CPython",
            ratio <= 1.3,
            f"{ratio:.2f}x the module-level reference ({fmt(table.row(SUB).median)}); "
            f"{table.row(SUB).median / table.row(FUNC).median:.2f}x the function form",
        ),
        Target("expected: Monty about 2x", None, f"{table.ratio(MONTY):.2f}x"),
        Target("expected: smolagents about 95x", None, f"{table.ratio(SMOL):.1f}x"),
    ]
    notes = [x for x in [otel_note()] if x]
    notes.append(
        "our sandbox compiles the program's top-level names as fast locals (only names a "
        "`global` statement mentions stay globals); module-level exec uses LOAD_NAME"
    )
    report("bench/loop.py", [table], targets, args.json, notes)


if __name__ == "__main__":
    asyncio.run(main())
