"""The search index of ``MongoSkillStorage``: postings documents per (tenant, term, bucket).

A search reads a few postings documents per query term, however many skills a tenant
has, instead of one document per skill sharing a word with the query (a common word
makes that thousands). Each term's postings are spread over ``BUCKETS`` documents by
skill id, so adding a skill rewrites small documents, not one that grows with the
tenant (MongoDB rewrites a whole document on update).

Writers post a skill's new terms *before* its document changes and withdraw stale ones
after, so a writer that dies in between leaves at worst an extra posting (a candidate
the search drops when the skill is loaded), never a skill that cannot be found. Tenant
totals for BM25 (document count and length) live in one more document, kept with
``$inc``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .text import bm25

BUCKETS = 32


class MongoTermIndex:
    """One tenant's postings and totals in the ``skill_terms`` collection."""

    def __init__(self, collection: Any, tenant: str) -> None:
        self._c = collection
        self._tenant = tenant

    def _id(self, term: str, skill_id: str) -> str:
        """The postings document of ``term`` holding ``skill_id``. The empty term (no real
        term is empty) names the tenant's totals, bucketed too: one document updated by
        every write would be a hot spot."""
        return f"{self._tenant}/{term}/{int(skill_id[:4], 16) % BUCKETS}"

    def post(self, skill_id: str, tf: Mapping[str, int], length: int) -> None:
        """Add or refresh the postings of ``skill_id`` for every term in ``tf``."""
        from pymongo import UpdateOne

        ops = [
            UpdateOne(
                {"_id": self._id(t, skill_id)},
                {"$set": {f"p.{skill_id}": [n, length]}},
                upsert=True,
            )
            for t, n in tf.items()
        ]
        if ops:
            self._c.bulk_write(ops, ordered=False)

    def withdraw(self, skill_id: str, terms: Iterable[str]) -> None:
        from pymongo import UpdateOne

        ops = [
            UpdateOne({"_id": self._id(t, skill_id)}, {"$unset": {f"p.{skill_id}": ""}})
            for t in terms
        ]
        if ops:
            self._c.bulk_write(ops, ordered=False)

    def count(self, skill_id: str, documents: int, length: int) -> None:
        """Adjust the tenant's totals by a number of documents and of terms."""
        self._c.update_one(
            {"_id": self._id("", skill_id)},
            {"$inc": {"n": documents, "length": length}},
            upsert=True,
        )

    def rank(self, terms: list[str], limit: int | None) -> list[tuple[str, float]]:
        ids = [f"{self._tenant}/{t}/{b}" for t in ["", *terms] for b in range(BUCKETS)]
        postings: dict[str, dict[str, int]] = {}
        lengths: dict[str, int] = {}
        n, total = 0, 0
        for doc in self._c.find({"_id": {"$in": ids}}):
            term = doc["_id"].split("/")[1]
            if not term:
                n, total = n + doc.get("n", 0), total + doc.get("length", 0)
                continue
            plist = postings.setdefault(term, {})
            for skill_id, (f, length) in doc.get("p", {}).items():
                plist[skill_id] = f
                lengths[skill_id] = length
        avg = total / n if n > 0 else 0.0
        return bm25(terms, postings, lengths, n_docs=n, avg_length=avg, limit=limit)
