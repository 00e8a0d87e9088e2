"""The shared benchmark data (``../shared/data/`` beside the project root), read in place."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def snake(name: str) -> str:
    """A dataset's tool name (``getFilmDetails``) as a skill name (``get_film_details``)."""
    text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text).lower()
    text = re.sub(r"[^a-z0-9_]+", "_", text).strip("_")
    return ("s_" + text if not text[:1].isalpha() else text)[:56]


def unique_names(raw_names: list[str]) -> dict[str, str]:
    """Dataset name -> distinct skill name (suffixes where two convert alike)."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for raw in raw_names:
        name, base, k = snake(raw), snake(raw), 1
        while name in used:
            name, k = f"{base}_{k}", k + 1
        used.add(name)
        out.setdefault(raw, name)
    return out


def embedded_plans(
    queries: list[dict[str, Any]], embedder: Any
) -> tuple[Any, list[tuple[int, int, Any]]]:
    """Each query's planned texts (the query, and its steps when it has several) embedded
    in one batch: the vectors, and per query (first row, row count, steps)."""
    from codemode_skills.selection.retrieval import plan_queries

    texts: list[str] = []
    plans: list[tuple[int, int, Any]] = []
    for q in queries:
        planned, steps = plan_queries(q["query"])
        plans.append((len(texts), len(planned), steps))
        texts += planned
    return embedder.embed(texts), plans
