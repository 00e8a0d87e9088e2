"""A tenant's skills ready for retrieval: unit vectors in one matrix, BM25 postings, and
each skill's status and trust for filtering.

Dense scores are one matrix-vector product; the top k come from ``argpartition``, so a
query over 100,000 skills costs a few milliseconds. Changes are applied in place
(``upsert``/``remove``): a new skill fills the next row, a removed one is swapped with the
last row, nothing is rebuilt.
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np

from ..records import Skill, SkillStatus, TrustLevel
from ..storage.text import K1, B, document_terms, query_terms

_STATUS = {s: i for i, s in enumerate(SkillStatus)}
_TRUST = {t: i for i, t in enumerate(TrustLevel)}


class SkillIndex:
    def __init__(self, dim: int | None = None) -> None:
        self.dim = dim
        self.names: list[str] = []
        self.rows: dict[str, int] = {}
        self.skills: dict[str, Skill] = {}
        self._matrix = np.zeros((0, dim or 0), dtype=np.float32)
        self._status = np.zeros(0, dtype=np.int8)
        self._trust = np.zeros(0, dtype=np.int8)
        # BM25 postings by row: term -> {row: tf}, with numpy copies made on demand
        self._postings: dict[str, dict[int, int]] = {}
        self._arrays: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._terms: dict[str, dict[str, int]] = {}  # name -> its term frequencies
        self._lengths = np.zeros(0, dtype=np.float32)
        self._total_length = 0

    def __len__(self) -> int:
        return len(self.names)

    @property
    def matrix(self) -> np.ndarray:
        return self._matrix[: len(self.names)]

    def _grow(self, dim: int) -> None:
        n = len(self.names)
        capacity = max(16, 2 * self._matrix.shape[0])
        if self.dim is None or self._matrix.shape[1] != dim:
            self.dim = dim
            self._matrix = np.zeros((capacity, dim), dtype=np.float32)
        else:
            grown = np.zeros((capacity, dim), dtype=np.float32)
            grown[:n] = self._matrix[:n]
            self._matrix = grown
        self._status = np.resize(self._status, capacity)
        self._trust = np.resize(self._trust, capacity)
        self._lengths = np.resize(self._lengths, capacity)

    def upsert(self, skill: Skill, vector: np.ndarray) -> None:
        """Add or replace ``skill`` with its unit ``vector``."""
        vector = np.asarray(vector, dtype=np.float32).reshape(-1)
        if self.dim is not None and vector.shape[0] != self.dim and self.names:
            raise ValueError(f"vector has {vector.shape[0]} dimensions, the index {self.dim}")
        row = self.rows.get(skill.name)
        if row is None:
            if len(self.names) >= self._matrix.shape[0] or self.dim != vector.shape[0]:
                self._grow(vector.shape[0])
            row = len(self.names)
            self.names.append(skill.name)
            self.rows[skill.name] = row
        self._matrix[row] = vector
        self.set_state(skill)
        self._unpost(skill.name, row)
        terms = dict(document_terms(skill))
        self._terms[skill.name] = terms
        self._lengths[row] = length = sum(terms.values())
        self._total_length += length
        for term, f in terms.items():
            self._postings.setdefault(term, {})[row] = f
            self._arrays.pop(term, None)

    def _unpost(self, name: str, row: int) -> None:
        terms = self._terms.pop(name, None)
        if terms is None:
            return
        self._total_length -= int(self._lengths[row])
        for term in terms:
            plist = self._postings.get(term)
            if plist is not None:
                plist.pop(row, None)
                if not plist:
                    del self._postings[term]
            self._arrays.pop(term, None)

    def _repost(self, name: str, old: int, new: int) -> None:
        for term, f in self._terms.get(name, {}).items():
            plist = self._postings[term]
            del plist[old]
            plist[new] = f
            self._arrays.pop(term, None)
        self._lengths[new] = self._lengths[old]

    def set_state(self, skill: Skill) -> None:
        row = self.rows[skill.name]
        self._status[row] = _STATUS[skill.status]
        self._trust[row] = _TRUST[skill.trust]
        self.skills[skill.name] = skill

    def remove(self, name: str) -> None:
        row = self.rows.get(name)
        if row is None:
            return
        self._unpost(name, row)
        del self.rows[name]
        last = len(self.names) - 1
        if row != last:  # move the last row into the hole
            moved = self.names[last]
            self._repost(moved, last, row)
            self._matrix[row] = self._matrix[last]
            self._status[row] = self._status[last]
            self._trust[row] = self._trust[last]
            self.names[row] = moved
            self.rows[moved] = row
        self.names.pop()
        self.skills.pop(name, None)

    def mask(
        self,
        status: Collection[SkillStatus] | None = None,
        trust: Collection[TrustLevel] | None = None,
    ) -> np.ndarray | None:
        """Rows allowed by the filters (None: all)."""
        n = len(self.names)
        keep = None
        if status is not None:
            keep = np.isin(self._status[:n], [_STATUS[SkillStatus(s)] for s in status])
        if trust is not None:
            allowed = np.isin(self._trust[:n], [_TRUST[TrustLevel(t)] for t in trust])
            keep = allowed if keep is None else keep & allowed
        return keep

    def dense(self, query_vector: np.ndarray) -> np.ndarray:
        """Cosine similarity of every row to the (unit) query vector."""
        if not self.names:
            return np.zeros(0, dtype=np.float32)
        return self.matrix @ np.asarray(query_vector, dtype=np.float32).reshape(-1)

    def _array(self, term: str) -> tuple[np.ndarray, np.ndarray] | None:
        cached = self._arrays.get(term)
        if cached is None:
            plist = self._postings.get(term)
            if not plist:
                return None
            rows = np.fromiter(plist.keys(), dtype=np.int64, count=len(plist))
            tf = np.fromiter(plist.values(), dtype=np.float32, count=len(plist))
            cached = self._arrays[term] = (rows, tf)
        return cached

    def bm25(self, query: str) -> np.ndarray:
        """BM25 score of every row (0 where no term matches); the same formula as the
        storage search (``storage/text.py``), vectorised per term."""
        n = len(self.names)
        scores = np.zeros(n, dtype=np.float32)
        if n == 0:
            return scores
        avg = self._total_length / n or 1.0
        for term in query_terms(query):
            found = self._array(term)
            if found is None:
                continue
            rows, tf = found
            idf = np.log(1 + (n - len(rows) + 0.5) / (len(rows) + 0.5))
            norm = K1 * (1 - B + B * self._lengths[rows] / avg)
            scores[rows] += idf * tf * (K1 + 1) / (tf + norm)
        return scores


def top_k(scores: np.ndarray, k: int, keep: np.ndarray | None = None) -> np.ndarray:
    """Indices of the k best scores, best first (``keep`` masks rows out)."""
    if keep is not None:
        scores = np.where(keep, scores, -np.inf)
    n = scores.shape[0]
    if n == 0 or k <= 0:
        return np.zeros(0, dtype=np.int64)
    k = min(k, n)
    part = np.argpartition(-scores, k - 1)[:k] if k < n else np.arange(n)
    order = part[np.argsort(-scores[part], kind="stable")]
    return order[np.isfinite(scores[order])]
