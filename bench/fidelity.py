"""Differential fidelity: ordinary programs under plain CPython and under the sandbox.

The corpus: CPython's own doctests (the installed standard library's docstrings and its
test suite's doctests, made programs by ``_fidelity_doctests.py``) and our own
model-style programs in ``bench/fidelity_corpus/``. Every program runs as module code under
CPython (``_fidelity_reference.py``: a fork per program, once per hash seed; a program
whose outcome changes between seeds is dropped as nondeterministic, one CPython cannot run
as dropped too) and once in the sandbox (``create_code_mode([], driver=...).execute``).
Compared: the printed lines (stdout and stderr are one stream, as the sandbox's logs are),
the uncaught exception (type, message, line) and, when the last statement is an expression
whose value is JSON, that value (the sandbox runs ``return <expr>`` in its place). Each
difference gets one cause (``_fidelity_causes.py``); the target leaves out the causes
that are not fidelity bugs: modules the sandbox does not offer, and third-party imports.

Run: ``python bench/fidelity.py [--quick] [--json] [--driver subprocess|inprocess]
[--show CAUSE [--limit N]]`` (from a directory with no file named like a standard module)
"""

from __future__ import annotations

import argparse
import asyncio
import difflib
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any, TextIO

from _common import Row, Table, Target, parse_args, progress, report
from _fidelity_causes import CAUSES, EXCUSED, identical_share
from _fidelity_runs import Measurement, Outcome, Program, corpus, measure

from codemode_skills.sandbox.jail.policy.modules import ALLOWED_MODULES

IDENTICAL = "identical"
TARGET = 98.0
SEEDS = (1, 2, 3)


def options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--driver", choices=["subprocess", "inprocess"], default="subprocess")
    parser.add_argument("--jobs", type=int, default=2, help="sandbox executions at once")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per program")
    parser.add_argument(
        "--show", metavar="CAUSE", help="list programs whose cause contains CAUSE (or 'all')"
    )
    parser.add_argument("--limit", type=int, default=5, help="programs --show lists per cause")


def percent(part: int, whole: int) -> float:
    return 100.0 * part / whole if whole else 0.0


def show(
    program: Program, cause: str, ref: Outcome, got: Outcome, out: TextIO, lines: int = 40
) -> None:
    """One program, both outcomes and the diff of their output, for ``--show``."""
    print(f"\n### {program.name}  [{cause}]", file=out)
    code = program.code.splitlines()
    for number, text in enumerate(code[:lines], 1):
        print(f"{number:4} | {text}", file=out)
    if len(code) > lines:
        print(f"     | ... {len(code) - lines} more lines", file=out)
    for side, outcome in (("CPython", ref), ("sandbox", got)):
        print(f"  {side:8} error={outcome['error']} value={outcome['value']!r}", file=out)
    diff = difflib.unified_diff(ref["output"], got["output"], "CPython", "sandbox", n=1)
    for text in list(diff)[2:]:
        print(f"  {text.rstrip()}", file=out)


def tables(
    programs: list[Program], causes: dict[str, str | None]
) -> tuple[list[Table], list[Target]]:
    """Counts by cause, the identical share by part of the corpus, and the target."""
    counts = Counter(cause or IDENTICAL for cause in causes.values())
    examples: dict[str, list[str]] = {}
    for program in programs:
        examples.setdefault(causes[program.name] or IDENTICAL, []).append(program.name)
    total = len(programs)
    rows = [Row(name, [counts[name]]) for name in [IDENTICAL, *CAUSES] if counts[name]]
    for row in rows[1:]:
        row.extra["examples"] = ", ".join(examples[row.name][:2])
    rows.append(Row("all compared", [total]))
    by_cause = Table(
        "programs by cause",
        rows,
        reference="all compared",
        unit="programs",
        note="one count per row (median = p90 = the count); × ref is the share",
    )

    def part_row(name: str, members: list[Program]) -> Row:
        same = sum(causes[p.name] is None for p in members)
        fair_same, fair = identical_share(causes[p.name] for p in members)
        extra = {
            "programs": str(len(members)),
            "identical": str(same),
            "aside by design": str(len(members) - fair),
            "identical % of the rest": f"{percent(fair_same, fair):.1f}",
        }
        return Row(name, [percent(same, len(members))], extra)

    parts = sorted({p.source for p in programs})
    part_rows = [part_row(s, [p for p in programs if p.source == s]) for s in parts]
    part_rows.append(part_row("whole corpus", programs))
    by_part = Table("identical, by part of the corpus", part_rows, "whole corpus", unit="%")
    same, fair = identical_share(causes.values())
    adjusted = percent(same, fair)
    targets = [
        Target(
            f">= {TARGET:.0f}% identical ({' and '.join(EXCUSED)} aside)",
            adjusted >= TARGET,
            f"{adjusted:.1f}% ({same} of {fair})",
        ),
        Target(
            "identical, whole corpus",
            None,
            f"{percent(counts[IDENTICAL], total):.1f}% ({counts[IDENTICAL]}/{total})",
        ),
    ]
    return [by_cause, by_part], targets


async def main() -> None:
    args = parse_args(__doc__.splitlines()[0], options)
    started = time.perf_counter()
    seeds = SEEDS[:2] if args.quick else SEEDS
    with tempfile.TemporaryDirectory(prefix="fidelity-") as tmp:
        programs = corpus(Path(tmp), args.quick)
        progress(
            f"{len(programs)} programs: CPython once per hash seed {seeds}, then the sandbox "
            f"({args.driver} driver)",
            args.json,
        )
        found = await measure(
            programs,
            seeds=seeds,
            driver=args.driver,
            jobs=args.jobs,
            timeout=args.timeout,
            workdir=Path(tmp),
            allowed=frozenset(ALLOWED_MODULES),
        )
    table_list, targets = tables(found.compared, found.causes)
    elapsed = time.perf_counter() - started
    unstable = found.unstable
    notes = [
        f"driver: {args.driver}; {len(programs)} programs in the corpus, "
        f"{len(found.compared)} compared in {elapsed:.0f} s",
        f"dropped as nondeterministic (outcome differs between hash seeds {seeds}): "
        f"{len(unstable)}" + (f", e.g. {unstable[0].name}" if unstable else ""),
        f"dropped because CPython could not run them (time or memory): {len(found.failed)}",
        f"final values compared for {found.values} programs "
        "(last statement an expression whose value is JSON and not None)",
    ]
    report("bench/fidelity.py", table_list, targets, args.json, notes)
    if args.show:
        shown(args, found)


def shown(args: Any, found: Measurement) -> None:
    """``--show CAUSE``: the first programs of each matching cause, with the difference."""
    out = sys.stderr if args.json else sys.stdout
    wanted = args.show.lower()
    listed: Counter[str] = Counter()
    for program in found.compared:
        cause = found.causes[program.name]
        if cause is None or (wanted != "all" and wanted not in cause.lower()):
            continue
        if listed[cause] < args.limit:
            listed[cause] += 1
            show(program, cause, found.refs[program.name], found.got[program.name], out)
    if not listed:
        print(f"\nno program has a cause matching {args.show!r}", file=out)


if __name__ == "__main__":
    asyncio.run(main())
