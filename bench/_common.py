"""Shared helpers for the benchmark scripts: arguments, timing, statistics, tables.

Every script measures all its contenders side by side in one run (interleaved round-robin,
so drift on a noisy machine hits them alike), prints one table per section with the
median, p90 and the ratio to a named reference, then the targets with PASS/MISS.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

perf = time.perf_counter


def parse_args(
    description: str, extra: Callable[[argparse.ArgumentParser], None] | None = None
) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="a short run (fewer samples)")
    parser.add_argument("--json", action="store_true", help="print the tables as JSON")
    if extra is not None:
        extra(parser)
    return parser.parse_args()


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


@dataclass
class Row:
    """One contender: its samples (seconds, or another unit) and free-form extra columns."""

    name: str
    samples: list[float]
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def p90(self) -> float:
        return percentile(self.samples, 90)


@dataclass
class Table:
    title: str
    rows: list[Row]
    reference: str  # the name of the row every ratio is relative to
    unit: str = "s"  # "s": samples are seconds, shown adaptively; anything else: shown as is
    note: str = ""

    def row(self, name: str) -> Row:
        return next(r for r in self.rows if r.name == name)

    def ratio(self, name: str) -> float:
        return self.row(name).median / self.row(self.reference).median


@dataclass
class Target:
    text: str
    met: bool | None  # None: informational, no pass/miss
    detail: str


def fmt(value: float, unit: str = "s") -> str:
    if unit != "s":
        return f"{value:,.1f} {unit}"
    if abs(value) < 1e-3:
        return f"{value * 1e6:,.1f} µs"
    if abs(value) < 1.0:
        return f"{value * 1e3:,.3f} ms"
    return f"{value:,.3f} s"


def machine() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "date": time.strftime("%Y-%m-%d"),
    }


def report(
    script: str,
    tables: list[Table],
    targets: list[Target],
    as_json: bool,
    notes: Sequence[str] = (),
) -> None:
    """Print the tables and targets, as text or (``--json``) as one JSON document."""
    if as_json:
        doc = {
            "script": script,
            "machine": machine(),
            "tables": [
                {
                    "title": t.title,
                    "unit": t.unit,
                    "reference": t.reference,
                    "note": t.note,
                    "rows": [
                        {
                            "name": r.name,
                            "n": len(r.samples),
                            "median": r.median,
                            "p90": r.p90,
                            "ratio": t.ratio(r.name),
                            **r.extra,
                        }
                        for r in t.rows
                    ],
                }
                for t in tables
            ],
            "targets": [{"target": g.text, "met": g.met, "detail": g.detail} for g in targets],
            "notes": list(notes),
        }
        json.dump(doc, sys.stdout, indent=2, ensure_ascii=False)
        print()
        return
    info = machine()
    print(f"# {script}  (Python {info['python']}, {info['cpus']} CPUs, {info['date']})")
    for t in tables:
        print_table(t)
    if targets:
        print("\nTargets:")
        for g in targets:
            mark = "INFO" if g.met is None else "PASS" if g.met else "MISS"
            print(f"  [{mark}] {g.text}: {g.detail}")
    for note in notes:
        print(f"  note: {note}")


def print_table(t: Table) -> None:
    extra_keys: list[str] = []
    for r in t.rows:
        extra_keys += [k for k in r.extra if k not in extra_keys]
    header = ["contender", "n", "median", "p90", "× ref", *extra_keys]
    lines = [
        [
            r.name,
            str(len(r.samples)),
            fmt(r.median, t.unit),
            fmt(r.p90, t.unit),
            f"{t.ratio(r.name):.2f}",
            *(r.extra.get(k, "") for k in extra_keys),
        ]
        for r in t.rows
    ]
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]
    print(f"\n## {t.title}")
    print(f"reference (× ref = 1.00): {t.reference}")
    if t.note:
        print(t.note)

    def render(cells: list[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = (c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True))
        return "| " + " | ".join([first, *rest]) + " |"

    print(render(header))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for line in lines:
        print(render(line))


def progress(message: str, quiet: bool) -> None:
    """Progress on stderr, so ``--json`` output stays clean."""
    if not quiet:
        print(message, file=sys.stderr, flush=True)


def otel_note() -> str | None:
    try:
        import opentelemetry  # noqa: F401
    except ImportError:
        return "opentelemetry-api is not installed: Monty's client runs slower without it"
    return None
