"""Ranked text search shared by every backend: one tokenizer, one BM25 scorer.

Backends differ only in how they find *candidates* (skills sharing at least one term
with the query: an in-memory inverted index, an indexed term table in SQL, a multikey
index in MongoDB); the ranking is computed here so every backend orders results the same
way. Names and tags weigh more than prose, and ``snake_case`` names are split into words
so "sales report" finds ``weekly_sales_report``.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ..skills.model import Skill

_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    "a an and are as at be by for from in into is it of on or that the this to with".split()
)
#: Field weights: a term in the name counts as this many occurrences.
NAME_WEIGHT = 3
TAG_WEIGHT = 2
K1 = 1.2
B = 0.75


def _stem(word: str) -> str:
    """A light, predictable stemmer: plural and common verb endings only."""
    for suffix, keep in (("ies", "y"), ("sses", "ss"), ("ing", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith("ss"):
                return word
            return word[: len(word) - len(suffix)] + keep
    return word


def tokenize(text: str) -> list[str]:
    """Lowercase word stems, stop words removed (``snake_case`` splits at ``_``)."""
    return [_stem(w) for w in _WORD.findall(text.lower()) if w not in _STOP]


def document_terms(skill: Skill) -> Counter[str]:
    """Weighted term frequencies of a skill's searchable text."""
    terms: Counter[str] = Counter()
    for term in tokenize(skill.name.replace("_", " ")):
        terms[term] += NAME_WEIGHT
    for tag in skill.tags:
        for term in tokenize(tag):
            terms[term] += TAG_WEIGHT
    terms.update(tokenize(skill.description))
    for hint in skill.usage_hints:
        terms.update(tokenize(hint))
    return terms


def query_terms(query: str) -> list[str]:
    return sorted(set(tokenize(query)))


@dataclass
class Candidate:
    """A skill that shares a term with the query: its frequencies and document length."""

    key: str
    tf: Mapping[str, int]
    length: int


def bm25(
    terms: list[str],
    candidates: Iterable[Candidate],
    *,
    n_docs: int,
    avg_length: float,
    limit: int | None = None,
) -> list[tuple[str, float]]:
    """Top ``limit`` (all when None) (key, score) pairs, best first (ties broken by key).

    Document frequencies are counted from the candidates themselves: every document that
    contains a query term is a candidate, so the counts are exact.
    """
    pool = list(candidates)
    df: Counter[str] = Counter()
    for cand in pool:
        df.update(t for t in terms if cand.tf.get(t))
    n = max(n_docs, len(pool), 1)
    avg = avg_length if avg_length > 0 else 1.0
    idf = {t: math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5)) for t in terms}
    scored = []
    for cand in pool:
        norm = K1 * (1 - B + B * cand.length / avg)
        score = 0.0
        for t in terms:
            f = cand.tf.get(t, 0)
            if f:
                score += idf[t] * f * (K1 + 1) / (f + norm)
        if score > 0:
            scored.append((cand.key, score))
    scored.sort(key=lambda pair: (-pair[1], pair[0]))
    return scored if limit is None else scored[:limit]


@dataclass
class InvertedIndex:
    """Term -> keys index for backends that search in the host process."""

    postings: dict[str, set[str]] = field(default_factory=dict)
    docs: dict[str, Counter[str]] = field(default_factory=dict)
    total_length: int = 0

    def put(self, key: str, skill: Skill) -> None:
        self.remove(key)
        terms = document_terms(skill)
        self.docs[key] = terms
        self.total_length += sum(terms.values())
        for term in terms:
            self.postings.setdefault(term, set()).add(key)

    def remove(self, key: str) -> None:
        terms = self.docs.pop(key, None)
        if terms is None:
            return
        self.total_length -= sum(terms.values())
        for term in terms:
            keys = self.postings.get(term)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self.postings[term]

    def search(self, query: str, limit: int | None = None) -> list[tuple[str, float]]:
        terms = query_terms(query)
        keys: set[str] = set()
        for term in terms:
            keys |= self.postings.get(term, set())
        n = len(self.docs)
        return bm25(
            terms,
            (Candidate(k, self.docs[k], sum(self.docs[k].values())) for k in keys),
            n_docs=n,
            avg_length=self.total_length / n if n else 0.0,
            limit=limit,
        )
