"""Pure-Python loops of 200,000 iterations in three shapes: our sandbox vs plain CPython,
Monty and smolagents' LocalPythonExecutor.

Shapes: ``arithmetic`` (an accumulator), ``attributes`` (objects with two attributes, read
and written every iteration) and ``append`` (``list.append``). Each runs in two forms:

* module form: the loop at the program's top level. Our sandbox runs programs with module
  semantics (top-level names are globals), so the reference is CPython running the same
  text at module level through ``exec`` (ratio 1.0);
* function form: the loop inside ``def work()``, called once. The reference is CPython
  calling the same function (column ``× function``).

CPython is timed twice: in this benchmark's own process (a large heap: smolagents, Monty,
our host; its cyclic garbage collector walks all of it when a loop allocates) and in a
fresh ``python3`` process per sample, timing only the loop, as a worker runs it (a small
heap). The targets hold against the faster of the two.

The program's last line is adapted per runner: ``return total`` in our sandbox, ``total``
as the last expression for Monty and smolagents, an assignment under ``exec``. Our execute
is reported minus a trivial execute (paired per round), and whole.

Run: ``python bench/loop.py [--quick] [--json] [--iterations 200000] [--shape NAME]``
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from _common import Row, Table, Target, fmt, otel_note, parse_args, perf, progress, report
from pydantic_monty import Monty
from smolagents.local_python_executor import LocalPythonExecutor

from codemode_skills import CodeMode, InProcessDriver, SubprocessDriver, create_code_mode

EXEC = "plain CPython, module level (exec)"
FUNC = "plain CPython, inside a function"
EXEC_FRESH = "plain CPython, fresh process, module level"
FUNC_FRESH = "plain CPython, fresh process, inside a function"
SUB = "codemode subprocess, module form, minus trivial"
SUB_FUNC = "codemode subprocess, function form, minus trivial"
SUB_TOTAL = "codemode subprocess, module form, whole execute"
INPROC = "codemode in-process driver, module form, minus trivial"
MONTY = "Monty warm session (sync)"
SMOL = "smolagents LocalPythonExecutor"
TARGET = 1.1


@dataclass(frozen=True)
class Shape:
    name: str
    setup: str  # runs before the loop (not timed separately)
    body: str  # the loop body, indented by four spaces, over `i`

    def text(self, n: int, last: str) -> str:
        """The module form: setup, the loop, then ``last``."""
        return f"{self.setup}for i in range({n}):\n{self.body}{last}\n"

    def function_text(self, n: int, last: str) -> str:
        """The function form: the same lines inside ``def work()``, then ``last``."""
        inner = "".join(f"    {line}\n" for line in self.text(n, "return total").splitlines())
        return f"def work():\n{inner}{last}\n"


SHAPES = {
    s.name: s
    for s in (
        Shape("arithmetic", "total = 0\n", "    total += i * i % 7\n"),
        Shape(
            "attributes",
            "class P:\n"
            "    def __init__(self, x, y):\n"
            "        self.x = x\n"
            "        self.y = y\n"
            "points = [P(k, k + 1) for k in range(64)]\n"
            "total = 0\n",
            "    p = points[i % 64]\n    p.x = p.y - p.x + 1\n    total += p.x\n",
        ),
        Shape("append", "out = []\n", "    out.append(i % 7)\ntotal = len(out) + sum(out)\n"),
    )
}


def _reference(shape: Shape, n: int) -> tuple[Callable[[], Any], Callable[[], Any]]:
    """CPython's two forms: ``exec`` of the module text, and the function called."""
    module_code = compile(shape.text(n, "result = total"), "<loop>", "exec")
    namespace: dict[str, Any] = {}
    exec(compile(shape.function_text(n, ""), "<loop>", "exec"), namespace)

    def plain_exec() -> object:
        ns: dict[str, object] = {}
        exec(module_code, ns)
        return ns["result"]

    return plain_exec, namespace["work"]


_FRESH = """
import sys, time
code = compile(sys.argv[1], "<loop>", "exec")
namespace = {}
started = time.perf_counter()
exec(code, namespace)
if sys.argv[2] == "function":
    started = time.perf_counter()
    namespace["work"]()
print(time.perf_counter() - started)
"""


def _fresh(text: str, form: str) -> float:
    """Seconds the loop takes in a fresh CPython process (startup not counted)."""
    done = subprocess.run(
        [sys.executable, "-c", _FRESH, text, form], capture_output=True, text=True, check=True
    )
    return float(done.stdout)


async def _ours(cm: CodeMode, code: str) -> object:
    result = await cm.execute(code)
    if not result.success:
        raise RuntimeError(f"execute failed: {result.error}")
    return result.result


def _try(run: Callable[[], Any], want: Any) -> str | None:
    """None when ``run`` gives ``want``; else why not (a peer that lacks a feature)."""
    try:
        got = run()
    except Exception as exc:  # a peer's own error: reported, not fatal
        return f"{type(exc).__name__}: {str(exc)[:80]}"
    return None if got == want else f"gave {got!r}"


async def measure(
    shape: Shape, n: int, rounds: int, smol_every: int, quiet: bool, stack: Any
) -> tuple[Table, list[str]]:
    plain_exec, func = _reference(shape, n)
    want = plain_exec()
    ours_code, ours_func = shape.text(n, "return total"), shape.function_text(n, "return work()")
    peer_code = shape.text(n, "total")
    smol = LocalPythonExecutor(additional_authorized_imports=[])
    smol.send_tools({})
    monty = stack.enter_context(stack.enter_context(Monty()).checkout())
    sub = await stack.enter_async_context(create_code_mode([], driver=SubprocessDriver()))
    inproc = await stack.enter_async_context(create_code_mode([], driver=InProcessDriver()))
    sync: dict[str, Callable[[], object]] = {
        EXEC: plain_exec,
        FUNC: func,
        MONTY: lambda: monty.feed_run(peer_code),
        SMOL: lambda: smol(peer_code).output,
    }
    notes = []
    for name in (MONTY, SMOL):
        failed = _try(sync[name], want)
        if failed is not None:
            notes.append(f"{shape.name}: {name} cannot run this shape ({failed})")
            del sync[name]
    pairs = {SUB: (sub, ours_code), SUB_FUNC: (sub, ours_func), INPROC: (inproc, ours_code)}
    fresh = {
        EXEC_FRESH: (shape.text(n, "result = total"), "module"),
        FUNC_FRESH: (shape.function_text(n, ""), "function"),
    }
    samples: dict[str, list[float]] = {name: [] for name in [*sync, *fresh, *pairs, SUB_TOTAL]}
    for cm, code in pairs.values():
        for _ in range(2):
            assert await _ours(cm, code) == want
            await _ours(cm, "return 1")
    progress(f"{shape.name}: {rounds} rounds (smolagents in every {smol_every}th)", quiet)
    names = [*sync, *fresh, *pairs]
    for i in range(rounds):
        for name in names[i % len(names) :] + names[: i % len(names)]:
            if name == SMOL and i % smol_every:
                continue
            await asyncio.sleep(0.05)
            if name in fresh:
                samples[name].append(await asyncio.to_thread(_fresh, *fresh[name]))
                continue
            if name in sync:
                started = perf()
                value = sync[name]()
                samples[name].append(perf() - started)
                assert value == want, (name, value)
                continue
            cm, code = pairs[name]
            started = perf()
            value = await _ours(cm, code)
            whole = perf() - started
            assert value == want, (name, value)
            await asyncio.sleep(0.05)
            started = perf()
            await _ours(cm, "return 1")
            samples[name].append(whole - (perf() - started))
            if name == SUB:
                samples[SUB_TOTAL].append(whole)
    every = (EXEC, FUNC, EXEC_FRESH, FUNC_FRESH, SUB, SUB_FUNC, SUB_TOTAL, INPROC, MONTY, SMOL)
    order = [k for k in every if samples.get(k)]
    table = Table(
        f"{shape.name}: a {n:,}-iteration loop", [Row(k, samples[k]) for k in order], EXEC
    )
    for row in table.rows:
        row.extra["× function"] = f"{row.median / table.row(FUNC).median:.2f}"
    return table, notes


def targets_for(table: Table, shape: str) -> list[Target]:
    def against(ours: str, *references: str) -> tuple[float, str]:
        best = min(references, key=lambda name: table.row(name).median)
        ratio = table.row(ours).median / table.row(best).median
        return ratio, f"{ratio:.2f}x ({fmt(table.row(ours).median)} against {best})"

    module_ratio, module_detail = against(SUB, EXEC, EXEC_FRESH)
    function_ratio, function_detail = against(SUB_FUNC, FUNC, FUNC_FRESH)
    out = [
        Target(
            f"{shape}: module form within {TARGET}x of CPython's module level",
            module_ratio <= TARGET,
            module_detail,
        ),
        Target(
            f"{shape}: function form within {TARGET}x of CPython's function",
            function_ratio <= TARGET,
            function_detail,
        ),
    ]
    for peer in (MONTY, SMOL):
        if any(r.name == peer for r in table.rows):
            out.append(Target(f"{shape}: {peer}", None, f"{table.ratio(peer):.2f}x"))
    return out


async def main() -> None:
    args = parse_args(
        __doc__.splitlines()[0],
        lambda p: (
            p.add_argument("--iterations", type=int, default=200_000, help="loop iterations"),
            p.add_argument("--shape", choices=sorted(SHAPES), action="append", help="only these"),
        ),
    )
    # smolagents takes seconds per run: it runs in every `smol_every`-th round only
    rounds, smol_every = (3, 1) if args.quick else (20, 5)
    tables, targets, notes = [], [], []
    for name in args.shape or list(SHAPES):
        async with contextlib.AsyncExitStack() as stack:
            table, shape_notes = await measure(
                SHAPES[name], args.iterations, rounds, smol_every, args.json, stack
            )
        tables.append(table)
        targets += targets_for(table, name)
        notes += shape_notes
    notes += [x for x in [otel_note()] if x]
    notes.append(
        "module semantics: a top-level loop reads and writes globals in our sandbox as at "
        "CPython's module level; in a function both use fast locals"
    )
    report("bench/loop.py", tables, targets, args.json, notes)


if __name__ == "__main__":
    asyncio.run(main())
