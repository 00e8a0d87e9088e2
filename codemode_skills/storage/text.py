"""Ranked text search shared by every backend: one tokenizer, one BM25 scorer.

Backends differ only in how they find *candidates* (skills sharing at least one term
with the query: an in-memory inverted index, an indexed term table in SQL, a multikey
index in MongoDB); the ranking is computed here so every backend orders results the same
way. Names and tags weigh more than prose, and ``snake_case`` names are split into words
so "sales report" finds ``weekly_sales_report``.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..records import Skill

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


Postings = Mapping[str, Mapping[str, int]]  # term -> {key: weighted term frequency}


def bm25(
    terms: list[str],
    postings: Postings,
    lengths: Mapping[str, int],
    *,
    n_docs: int,
    avg_length: float,
    limit: int | None = None,
) -> list[tuple[str, float]]:
    """(key, score) pairs, best first (ties broken by key); the top ``limit`` if given.

    ``postings`` must hold, for each query term, every document containing it (so the
    document frequencies are exact); ``lengths`` the length of each of those documents.
    """
    n = max(n_docs, len(lengths), 1)
    avg = avg_length if avg_length > 0 else 1.0
    scores: dict[str, float] = {}
    for term in terms:
        plist = postings.get(term)
        if not plist:
            continue
        df = len(plist)
        idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
        for key, f in plist.items():
            norm = K1 * (1 - B + B * lengths[key] / avg)
            scores[key] = scores.get(key, 0.0) + idf * f * (K1 + 1) / (f + norm)
    if limit is not None and limit < len(scores):
        return heapq.nsmallest(limit, scores.items(), key=_best_first)
    return sorted(scores.items(), key=_best_first)


def _best_first(pair: tuple[str, float]) -> tuple[float, str]:
    return (-pair[1], pair[0])


@dataclass
class InvertedIndex:
    """Term -> {key: tf} index for backends that search in the host process."""

    postings: dict[str, dict[str, int]] = field(default_factory=dict)
    docs: dict[str, Counter[str]] = field(default_factory=dict)
    lengths: dict[str, int] = field(default_factory=dict)
    total_length: int = 0

    def put(self, key: str, skill: Skill) -> None:
        self.remove(key)
        terms = document_terms(skill)
        self.docs[key] = terms
        self.lengths[key] = length = sum(terms.values())
        self.total_length += length
        for term, f in terms.items():
            self.postings.setdefault(term, {})[key] = f

    def remove(self, key: str) -> None:
        terms = self.docs.pop(key, None)
        if terms is None:
            return
        self.total_length -= self.lengths.pop(key)
        for term in terms:
            plist = self.postings.get(term)
            if plist is not None:
                plist.pop(key, None)
                if not plist:
                    del self.postings[term]

    def search(self, terms: list[str], limit: int | None = None) -> list[tuple[str, float]]:
        """The BM25 ranking of ``terms`` (``query_terms`` of a query) over the index."""
        if isinstance(terms, str):  # a query string would be ranked letter by letter
            raise TypeError("search() takes query_terms(query), not the query string")
        n = len(self.docs)
        return bm25(
            terms,
            self.postings,
            self.lengths,
            n_docs=n,
            avg_length=self.total_length / n if n else 0.0,
            limit=limit,
        )
