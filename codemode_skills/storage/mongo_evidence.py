"""Trust evidence in MongoDB: ``apply_evidence`` as one atomic pipeline update.

Counters, the recent window and the capped sets of distinct keys change together on the
server, so concurrent writers in any number of processes never lose a verdict (a
read-modify-write with compare-and-set would have to retry under load).
"""

from __future__ import annotations

from typing import Any

from ..records import EVIDENCE_CAP, RECENT_WINDOW, Evidence


def evidence_update(evidence: Evidence) -> list[dict[str, Any]]:
    """``apply_evidence`` as one pipeline update: counters, the recent window and the
    capped sets of distinct keys change together, atomically, on the server."""

    def old(field: str, empty: Any) -> dict[str, Any]:
        return {"$ifNull": [f"$stats.evidence.{field}", empty]}

    def with_key(field: str, key: str | None) -> Any:
        keys = old(field, [])
        if key is None:
            return keys
        full = {"$or": [{"$in": [key, keys]}, {"$gte": [{"$size": keys}, EVIDENCE_CAP]}]}
        return {"$cond": [full, keys, {"$concatArrays": [keys, [key]]}]}

    ok = evidence.success
    counted = {
        "runs": {"$add": [old("runs", 0), 1]},
        "successes": {"$add": [old("successes", 0), 1 if ok else 0]},
        "failures": {"$add": [old("failures", 0), 0 if ok else 1]},
        "recent": {"$slice": [{"$concatArrays": [old("recent", []), [ok]]}, -RECENT_WINDOW]},
        "requests": with_key("requests", evidence.request),
        "users": with_key("users", evidence.user),
        "days": with_key("days", evidence.day),
    }
    return [{"$set": {"stats.evidence": counted}}]
