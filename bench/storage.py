"""Skill storage: run counting under concurrency, and text search at 10,000 skills.

1. ``record_execution`` throughput with 8 threads on every backend, against the naive
   read-modify-write of a JSON file (how TanStack's file storage counts runs), which is
   fast and loses updates: the table shows both the rate and the lost counts.
2. Search latency with 10,000 skills in one tenant (Seal-Tools' 4,076 skills, copied with
   suffixed names to reach the count), per backend, against a substring scan over the
   same skills held in a Python list (TanStack's search).
3. Search quality on Seal-Tools (4,076 skills, the in-domain test queries): hit rate in
   the top 5 for our ranked search, the substring scan, and the reference BM25 of
   ``../shared/data/baselines.py``.

Needs PostgreSQL on 127.0.0.1:5432 (``CODEMODE_TEST_POSTGRES_URL``) and SecantusDB (or
``CODEMODE_TEST_MONGO_URL``). Run: ``python bench/storage.py [--quick] [--json]``
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _common import Row, Table, Target, fmt, parse_args, perf, progress, report
from _data import DATA, read_jsonl, snake

from codemode_skills.skills import RunRecord, SkillSpec
from codemode_skills.storage import FileSkillStorage, open_storage
from codemode_skills.testing import mongo_test_server

THREADS = 8


def backends(root: Path, mongo: str) -> dict[str, Callable[[str], Any]]:
    postgres = os.environ.get(
        "CODEMODE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
    )
    return {
        "memory": lambda t: open_storage("memory://bench", tenant=t),
        "file": lambda t: FileSkillStorage(root / "files", t),
        "sqlite": lambda t: open_storage(f"sqlite:///{root / 'bench.db'}", tenant=t),
        "postgres": lambda t: open_storage(postgres, tenant=t),
        "mongo (SecantusDB)": lambda t: open_storage(mongo, tenant=t),
    }


# -- 1. counting runs --------------------------------------------------------------------------
def threaded(total: int, work: Callable[[int], None]) -> float:
    """Run ``work(i)`` for i < total on THREADS threads; ops per second."""
    per = total // THREADS

    def loop(offset: int) -> None:
        for i in range(per):
            work(offset + i)

    threads = [threading.Thread(target=loop, args=(t * per,)) for t in range(THREADS)]
    started = perf()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return per * THREADS / (perf() - started)


def naive_json_counter(root: Path, total: int) -> tuple[float, int]:
    """Read the JSON, add one, write it back; no lock, no temp file (TanStack-style)."""
    path = root / "naive.json"
    path.write_text(json.dumps({"executions": 0}))

    def work(_: int) -> None:
        while True:
            try:
                doc = json.loads(path.read_text())
                break
            except ValueError:  # read a half-written file: the torn writes of this design
                continue
        doc["executions"] += 1
        path.write_text(json.dumps(doc))

    rate = threaded(total, work)
    return rate, total - json.loads(path.read_text())["executions"]


def bench_record(
    opens: dict[str, Callable[[str], Any]], root: Path, total: int, rounds: int, quiet: bool
) -> Table:
    rows = {name: Row(name, [], {"lost": "0"}) for name in opens}
    naive = Row("naive JSON file read-modify-write (no lock)", [], {})
    lost_naive = 0
    for r in range(rounds):
        for name, open_ in opens.items():
            storage = open_(f"rec{r}{uuid.uuid4().hex[:6]}")
            storage.create(SkillSpec(name="counter", description="counts", code="return 1"))
            rate = threaded(
                total,
                lambda i, s=storage: s.record_execution(
                    "counter", RunRecord(success=i % 4 != 0, duration_ms=1.0)
                ),
            )
            lost = total - storage.get("counter").stats.executions
            rows[name].samples.append(rate)
            rows[name].extra["lost"] = str(int(rows[name].extra["lost"]) + lost)
            progress(f"record {name}: {rate:,.0f} ops/s, lost {lost}", quiet)
        rate, lost = naive_json_counter(root, total)
        naive.samples.append(rate)
        lost_naive += lost
    naive.extra["lost"] = str(lost_naive)
    return Table(
        f"record_execution with {THREADS} threads ({total:,} runs per round)",
        [*rows.values(), naive],
        reference=naive.name,
        unit="ops/s",
        note="higher is better; 'lost' = runs missing from the counter, summed over rounds",
    )


# -- 2. and 3. search ---------------------------------------------------------------------------
def load_seal() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    folder = DATA / "seal_tools"
    return read_jsonl(folder / "skills.jsonl"), read_jsonl(folder / "queries_test_in_domain.jsonl")


def specs(skills: list[dict[str, Any]], count: int) -> tuple[list[SkillSpec], dict[str, str]]:
    """``count`` specs from the dataset (cycled with suffixes) and original -> our name."""
    out, names, used = [], {}, set()
    for i in range(count):
        src = skills[i % len(skills)]
        base = snake(src["name"]) + ("" if i < len(skills) else f"_c{i // len(skills)}")
        name, k = base, 1
        while name in used:
            name, k = f"{base}_{k}", k + 1
        used.add(name)
        names.setdefault(src["name"], name)
        out.append(
            SkillSpec(
                name=name,
                description=src["description"] or src["name"],
                code="return None",
                tags=src.get("tags", []),
            )
        )
    return out, names


def substring_search(skills: list[SkillSpec], query: str, limit: int) -> list[str]:
    """Skills containing query words (>= 3 letters) as substrings, most words first."""
    words = [w for w in re.findall(r"[a-z0-9]+", query.lower()) if len(w) >= 3]
    scored = []
    for s in skills:
        text = f"{s.name} {s.description} {' '.join(s.tags)}".lower()
        hits = sum(1 for w in words if w in text)
        if hits:
            scored.append((-hits, s.name))
    scored.sort()
    return [name for _, name in scored[:limit]]


def bench_search(
    opens: dict[str, Callable[[str], Any]], count: int, queries: list[str], quiet: bool
) -> Table:
    seal, _ = load_seal()
    all_specs, _ = specs(seal, count)
    rows = []
    for name, open_ in opens.items():
        storage = open_(f"search{uuid.uuid4().hex[:6]}")
        if isinstance(storage, FileSkillStorage):
            storage = FileSkillStorage(storage.root, storage.tenant, fsync=False)
        started = perf()
        for spec in all_specs:
            storage.create(spec)
        progress(f"filled {name} with {count:,} skills in {perf() - started:.1f} s", quiet)
        t0 = perf()
        storage.search("warm up")  # the file backend builds its index once per process
        first = perf() - t0
        samples = []
        for q in queries:
            t0 = perf()
            storage.search(q, limit=5)
            samples.append(perf() - t0)
        rows.append(Row(name, samples, {"first search": fmt(first)}))
    baseline = Row("substring scan of a Python list (TanStack-style)", [])
    for q in queries:
        t0 = perf()
        substring_search(all_specs, q, 5)
        baseline.samples.append(perf() - t0)
    return Table(
        f"text search, top 5, {count:,} skills in one tenant",
        [*rows, baseline],
        reference=baseline.name,
        note="lower is better; ratio < 1 = faster than the scan",
    )


def bench_quality(quiet: bool) -> tuple[Table, dict[str, float]]:
    seal, queries = load_seal()
    all_specs, names = specs(seal, len(seal))
    storage = open_storage("memory://", tenant="quality")
    for spec in all_specs:
        storage.create(spec)
    sys.path.insert(0, str(DATA))
    import baselines  # the shared reference BM25

    ref = baselines.BM25([baselines.skill_text(s) for s in seal])
    ref_scores = ref.scores([q["query"] for q in queries])
    order = [names[s["name"]] for s in seal]
    hits = {"ours": 0, "substring": 0, "reference BM25": 0}
    times: dict[str, list[float]] = {k: [] for k in hits}
    for qi, q in enumerate(queries):
        want = {names[e] for e in q["expected"]}
        t0 = perf()
        ours = [h.skill.name for h in storage.search(q["query"], limit=5)]
        times["ours"].append(perf() - t0)
        t0 = perf()
        sub = substring_search(all_specs, q["query"], 5)
        times["substring"].append(perf() - t0)
        top = sorted(range(len(seal)), key=lambda i: (-ref_scores[qi][i], i))[:5]
        ref_top = [order[i] for i in top]
        for key, got in (("ours", ours), ("substring", sub), ("reference BM25", ref_top)):
            hits[key] += bool(want & set(got))
    n = len(queries)
    rates = {k: v / n for k, v in hits.items()}
    progress(f"quality: {rates}", quiet)
    table = Table(
        f"search quality: Seal-Tools, {len(seal):,} skills, {n} in-domain test queries",
        [
            Row(
                "codemode-skills search (BM25, stems, field weights)",
                times["ours"],
                {"hit@5": f"{rates['ours']:.3f}"},
            ),
            Row(
                "substring scan (TanStack-style)",
                times["substring"],
                {"hit@5": f"{rates['substring']:.3f}"},
            ),
            Row(
                "reference BM25 (shared/data/baselines.py, numpy)",
                [0.0],
                {"hit@5": f"{rates['reference BM25']:.3f}"},
            ),
        ],
        reference="substring scan (TanStack-style)",
        note="latency per query in the median/p90 columns (the reference BM25 is not timed)",
    )
    return table, rates


def main() -> None:
    def options(parser: Any) -> None:
        parser.add_argument("--backends", default="", help="comma-separated subset to run")

    args = parse_args(__doc__.splitlines()[0], options)
    quick, quiet = args.quick, args.json
    total = 800 if quick else 2_000
    count = 2_000 if quick else 10_000
    _, seal_queries = load_seal()
    queries = [q["query"] for q in seal_queries[: 20 if quick else 100]]
    with tempfile.TemporaryDirectory() as tmp, mongo_test_server("codemode_bench") as mongo:
        opens = backends(Path(tmp), mongo)
        if args.backends:
            wanted = args.backends.split(",")
            opens = {k: v for k, v in opens.items() if k.split()[0] in wanted}
        record = bench_record(opens, Path(tmp), total, 1 if quick else 3, quiet)
        search = bench_search(opens, count, queries, quiet)
    quality, rates = bench_quality(quiet)
    slowest = max(r.median for r in search.rows[:-1])
    targets = [
        Target(
            "no lost run on any backend",
            all(r.extra["lost"] == "0" for r in record.rows[:-1]),
            ", ".join(f"{r.name}: {r.extra['lost']}" for r in record.rows),
        ),
        Target(
            f"search at {count:,} skills under 50 ms (p50) on every backend",
            slowest < 0.05,
            f"slowest median {slowest * 1e3:.1f} ms",
        ),
        Target(
            "ranked search finds more than the substring scan (hit@5)",
            rates["ours"] > rates["substring"],
            f"{rates['ours']:.3f} vs {rates['substring']:.3f} "
            f"(reference BM25 {rates['reference BM25']:.3f})",
        ),
    ]
    report("bench/storage.py", [record, search, quality], targets, args.json)


if __name__ == "__main__":
    main()
