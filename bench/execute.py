"""Warm ``execute`` of a trivial program, against Monty, the in-process driver and a cold
``python -c pass``.

(a) one execution after a short pause (default 50 ms), as in an agent loop where the model
    thinks between runs; (b) back-to-back executions per second, no pause, for
    ``SubprocessDriver(pool_size=1)`` and ``pool_size=2``; (c) where a warm execute's time
    goes, seen from outside (the program returns ``time.perf_counter()``, a system-wide
    monotonic clock, so host→program and program→host can be told apart).

Run: ``python bench/execute.py [--quick] [--json] [--pause 0.05]``
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
from collections.abc import Awaitable, Callable

from _common import Row, Table, Target, fmt, otel_note, parse_args, perf, progress, report
from pydantic_monty import AsyncMonty, Monty

from codemode_skills import CodeMode, InProcessDriver, SubprocessDriver, create_code_mode, tool

Runner = Callable[[], Awaitable[object]]

SUB1 = "codemode subprocess (pool 1)"
SUB1_NEW = "codemode subprocess (pool 1), a new program each run"
SUB2 = "codemode subprocess (pool 2)"
INPROC = "codemode in-process driver"
MONTY = "Monty warm session (sync)"
MONTY_NEW = "Monty warm session (sync), a new program each run"
AMONTY = "Monty warm session (AsyncMonty)"
COLD = "cold `python -c pass`"


@tool
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def codemode_runner(cm: CodeMode, code: str = "return 1") -> Runner:
    async def run() -> object:
        result = await cm.execute(code)
        if not result.success:
            raise RuntimeError(f"execute failed: {result.error}")
        return result

    return run


def fresh_runner(cm: CodeMode) -> Runner:
    """A program the driver has not seen (`return <n>`, n counting up): no compiled copy
    is cached, so this is the cost of compiling it too."""
    counter = iter(range(10**9))

    async def run() -> object:
        result = await cm.execute(f"return {next(counter)}")
        if not result.success:
            raise RuntimeError(f"execute failed: {result.error}")
        return result

    return run


def cold_python() -> Runner:
    async def run() -> object:
        # blocking on purpose: the timed span is the spawn alone, nothing else runs meanwhile
        return subprocess.run([sys.executable, "-c", "pass"], check=True)  # noqa: ASYNC221

    return run


async def paused(runners: dict[str, Runner], rounds: int, pause: float) -> dict[str, list[float]]:
    """Round-robin (order rotated every round): pause, then time one run of each."""
    names = list(runners)
    samples: dict[str, list[float]] = {n: [] for n in names}
    for i in range(rounds):
        for name in names[i % len(names) :] + names[: i % len(names)]:
            await asyncio.sleep(pause)
            started = perf()
            await runners[name]()
            samples[name].append(perf() - started)
    return samples


async def back_to_back(
    runners: dict[str, Runner], windows: int, seconds: float
) -> dict[str, tuple[list[float], float]]:
    """Per contender: latencies of back-to-back runs and the runs per second."""
    out: dict[str, tuple[list[float], float]] = {n: ([], 0.0) for n in runners}
    for _ in range(windows):
        for name, run in runners.items():
            await asyncio.sleep(0.3)  # let pools refill and the machine settle
            lat, busy = out[name]
            window_start = perf()
            while perf() - window_start < seconds:
                started = perf()
                await run()
                lat.append(perf() - started)
            out[name] = (lat, busy + perf() - window_start)
    return out


async def breakdown(cms: dict[str, CodeMode], rounds: int, pause: float) -> list[Row]:
    code = "import time\nreturn time.perf_counter()"
    parts: dict[str, list[float]] = {}
    for _ in range(rounds):
        for name, cm in cms.items():
            await asyncio.sleep(pause)
            started = perf()
            result = await cm.execute(code)
            done = perf()
            for part, value in (
                ("host → program start", result.result - started),
                ("program return → host has result", done - result.result),
                ("driver duration_ms", result.duration_ms / 1000),
                ("total (wall)", done - started),
            ):
                parts.setdefault(f"{name}: {part}", []).append(value)
    return [Row(name, values) for name, values in parts.items()]


async def main() -> None:
    args = parse_args(
        __doc__.splitlines()[0],
        lambda p: p.add_argument(
            "--pause", type=float, default=0.05, help="seconds between executions in (a)"
        ),
    )
    quick, pause = args.quick, args.pause
    rounds, windows, window_s, br_rounds = (30, 1, 0.5, 20) if quick else (200, 3, 2.0, 100)
    async with contextlib.AsyncExitStack() as stack:
        sub1 = await stack.enter_async_context(
            create_code_mode([add], driver=SubprocessDriver(pool_size=1))
        )
        sub2 = await stack.enter_async_context(
            create_code_mode([add], driver=SubprocessDriver(pool_size=2))
        )
        inproc = await stack.enter_async_context(create_code_mode([add], driver=InProcessDriver()))
        monty = stack.enter_context(stack.enter_context(Monty()).checkout())
        apool = await stack.enter_async_context(AsyncMonty())
        amonty = await stack.enter_async_context(apool.checkout())

        async def monty_run() -> object:
            return monty.feed_run("1")

        monty_counter = iter(range(10**9))

        async def monty_new_run() -> object:
            return monty.feed_run(str(next(monty_counter)))

        async def amonty_run() -> object:
            return await amonty.feed_run("1")

        runners: dict[str, Runner] = {
            SUB1: codemode_runner(sub1),
            SUB1_NEW: fresh_runner(sub1),
            INPROC: codemode_runner(inproc),
            MONTY: monty_run,
            MONTY_NEW: monty_new_run,
            AMONTY: amonty_run,
            COLD: cold_python(),
        }
        progress("warming up", args.json)
        for run in [*runners.values(), codemode_runner(sub2)] * (3 if quick else 5):
            await run()
            await asyncio.sleep(0.02)
        progress(f"(a) {rounds} rounds with a {pause * 1e3:g} ms pause", args.json)
        a = await paused(runners, rounds, pause)
        progress(f"(b) back to back, {windows} x {window_s:g} s windows each", args.json)
        b2b_runners = {
            SUB1: runners[SUB1],
            SUB2: codemode_runner(sub2),
            INPROC: runners[INPROC],
            MONTY: monty_run,
            AMONTY: amonty_run,
            COLD: runners[COLD],
        }
        b = await back_to_back(b2b_runners, windows, window_s)
        progress("(c) breakdown", args.json)
        c = await breakdown({"subprocess": sub1, "in-process": inproc}, br_rounds, pause)

    table_a = Table(
        f"(a) warm execute of a trivial program, {pause * 1e3:g} ms pause between runs",
        [Row(n, s) for n, s in a.items()],
        reference=MONTY,
        note="Monty runs `1` (its result is the last expression); ours `return 1`. Rows "
        "'a new program each run' run `return <n>` / `<n>` with n counting up, so nothing "
        "compiled earlier can be reused.",
    )
    table_b = Table(
        "(b) back-to-back executions, no pause (latency per execution)",
        [Row(n, lat, {"exec/s": f"{len(lat) / busy:,.0f}"}) for n, (lat, busy) in b.items()],
        reference=MONTY,
    )
    table_c = Table(
        f"(c) where a warm execute's time goes, seen from outside ({pause * 1e3:g} ms "
        "pause; program: `import time; return time.perf_counter()`)",
        c,
        reference="subprocess: total (wall)",
        note="Ratios here are shares of the subprocess driver's total.",
    )
    ours, ratio = table_a.row(SUB1).median, table_a.ratio(SUB1)
    new, new_ratio = table_a.row(SUB1_NEW).median, table_a.ratio(SUB1_NEW)
    new_vs_monty_new = new / table_a.row(MONTY_NEW).median
    targets = [
        Target(
            "warm execute median under 1 ms",
            ours < 1e-3,
            f"{fmt(ours)}" + ("" if ours < 1e-3 else f" ({ours / 1e-3:.1f}x the target)"),
        ),
        Target(
            "warm execute within 3x of Monty's warm run",
            ratio <= 3.0,
            f"{ratio:.2f}x Monty sync ({fmt(table_a.row(MONTY).median)}), "
            f"{table_a.ratio(SUB1) / table_a.ratio(AMONTY):.2f}x AsyncMonty "
            f"({fmt(table_a.row(AMONTY).median)})",
        ),
        Target(
            "the same for a new program each run (nothing cached): under 1 ms, within 3x",
            new < 1e-3 and new_vs_monty_new <= 3.0,
            f"{fmt(new)}, {new_ratio:.2f}x Monty sync, {new_vs_monty_new:.2f}x Monty on a new "
            f"program each run ({fmt(table_a.row(MONTY_NEW).median)})",
        ),
    ]
    report(
        "bench/execute.py",
        [table_a, table_b, table_c],
        targets,
        args.json,
        [n for n in [otel_note()] if n],
    )


if __name__ == "__main__":
    asyncio.run(main())
