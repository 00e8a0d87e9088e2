"""Stage 1 of selection: rank a tenant's skills for a request (dense, lexical or hybrid).

**Hybrid.** ``score = cosine + w * bm25 / max(bm25)``, where the lexical weight ``w``
is judged per query: BM25 is trusted as far as the skills it ranks first are also
plausible to the dense model (their mean cosine relative to the best cosine, raised to
``power``). Where queries reuse the skills' words (Seal-Tools) the lexical leaders are
semantically close and keep their weight; where they do not (MetaTool's conversational
requests) BM25's leaders are word-overlap accidents the dense model finds far away, and
the lexical signal fades. The parameters (and ``HEAD`` below) were set on Seal-Tools'
dev split and on even-indexed MetaTool queries only (``lexical``: the value whose worst
margin over the better single method, in R@5 then MRR, is largest across both);
``bench/selection.py`` reports the untouched queries.

**Steps.** A request that names several steps is also retrieved per step (see
``steps.py``). The whole request's top ``HEAD`` keep their places (so single-skill
requests rank as before); the following places go round-robin to each step's leaders,
then the rest of the whole request's ranking, so every step's best skill reaches the top
candidates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from .index import SkillIndex, top_k
from .steps import split_steps

Mode = Literal["hybrid", "dense", "lexical"]
HEAD = 5  # places the whole request's ranking keeps before the steps' leaders come in


@dataclass(frozen=True)
class HybridWeights:
    lexical: float = 0.9  # weight of max-normalised BM25 when fully trusted
    power: float = 2.0  # how fast trust fades as BM25's leaders look implausible
    probe: int = 3  # how many of BM25's leaders are checked against the dense scores


def lexical_trust(dense: np.ndarray, bm25: np.ndarray, weights: HybridWeights) -> float:
    """How far to trust BM25 for this query, in [0, 1]."""
    if bm25.size == 0 or float(bm25.max()) <= 0 or dense.size == 0:
        return 0.0
    leaders = top_k(bm25, weights.probe)
    best = max(float(dense.max()), 1e-6)
    ratio = float(np.mean(np.clip(dense[leaders], 0.0, None))) / best
    return min(1.0, ratio) ** weights.power


def scores(
    index: SkillIndex,
    query: str,
    query_vector: np.ndarray | None,
    mode: Mode = "hybrid",
    weights: HybridWeights = HybridWeights(),
) -> np.ndarray:
    """One score per index row (higher is better)."""
    if mode == "lexical" or query_vector is None:
        return index.bm25(query)
    dense = index.dense(query_vector)
    if mode == "dense":
        return dense
    bm25 = index.bm25(query)
    top = float(bm25.max()) if bm25.size else 0.0
    if top <= 0:
        return dense
    return dense + weights.lexical * lexical_trust(dense, bm25, weights) * (bm25 / top)


def interleave(rankings: Sequence[Sequence[int]], k: int) -> list[int]:
    """Round-robin merge of rankings without repeats, first ranking first."""
    out: list[int] = []
    seen: set[int] = set()
    depth = max((len(r) for r in rankings), default=0)
    for i in range(depth):
        for ranking in rankings:
            if i < len(ranking) and ranking[i] not in seen:
                seen.add(ranking[i])
                out.append(ranking[i])
                if len(out) >= k:
                    return out
    return out


def rank(
    index: SkillIndex,
    query: str,
    vectors: np.ndarray | None,
    *,
    k: int,
    mode: Mode = "hybrid",
    keep: np.ndarray | None = None,
    steps: Sequence[str] = (),
    weights: HybridWeights = HybridWeights(),
) -> list[tuple[str, float]]:
    """Top ``k`` (name, score) for ``query``; ``vectors`` holds the query's vector and
    then one per entry of ``steps`` (None for lexical mode)."""
    whole = scores(index, query, None if vectors is None else vectors[0], mode, weights)
    best = top_k(whole, k, keep)
    if len(steps) < 2:
        return [(index.names[i], float(whole[i])) for i in best]
    head = [int(i) for i in best[:HEAD]]
    rankings = []
    for j, step in enumerate(steps):
        vector = None if vectors is None else vectors[j + 1]
        step_scores = scores(index, step, vector, mode, weights)
        rankings.append([int(i) for i in top_k(step_scores, k, keep)])
    rankings.append([int(i) for i in best[HEAD:]])
    taken = set(head)
    merged = head + [i for i in interleave(rankings, k + len(head)) if i not in taken]
    merged = merged[:k]
    return [(index.names[i], float(whole[i])) for i in merged]


def plan_queries(query: str, *, use_steps: bool = True) -> tuple[list[str], list[str]]:
    """The texts to embed (query first, then its steps) and the steps themselves."""
    steps = split_steps(query) if use_steps else [query]
    if len(steps) < 2:
        return [query], []
    return [query, *steps], steps
