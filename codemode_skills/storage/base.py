"""The ``SkillStorage`` protocol every backend implements, and what they share.

A storage object is bound to one tenant: every method reads and writes only that
tenant's skills, and every method validates the skill name before it touches anything
(the name is also a path component in ``FileSkillStorage``). ``for_tenant`` gives a view
of another tenant over the same connection (one engine or client per URL).

Methods are synchronous and thread-safe; ``SkillManager`` calls them from a worker thread
so they never stall the event loop.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from ..records import (
    Evidence,
    RunRecord,
    SearchHit,
    Skill,
    SkillChanges,
    SkillOrigin,
    SkillSpec,
    SkillStatus,
    SkillVersion,
    TrustLevel,
)

#: What ``search`` returns unless told otherwise: skills one may still pick.
SEARCHABLE = frozenset({SkillStatus.ACTIVE, SkillStatus.PENDING_REVIEW})


@dataclass(frozen=True)
class SkillFilter:
    """Status / trust / tag filter of ``list`` and ``search`` (None: any)."""

    status: frozenset[SkillStatus] | None = None
    trust: frozenset[TrustLevel] | None = None
    tag: str | None = None

    @classmethod
    def of(
        cls,
        status: SkillStatus | Iterable[SkillStatus] | None = None,
        trust: TrustLevel | Iterable[TrustLevel] | None = None,
        tag: str | None = None,
    ) -> SkillFilter:
        def norm(value, kind):  # type: ignore[no-untyped-def]
            if value is None:
                return None
            if isinstance(value, (str, kind)):
                return frozenset({kind(value)})
            return frozenset(kind(v) for v in value)

        return cls(
            status=norm(status, SkillStatus),
            trust=norm(trust, TrustLevel),
            tag=tag.strip().lower() if tag else None,
        )

    def __call__(self, skill: Skill) -> bool:
        return (
            (self.status is None or skill.status in self.status)
            and (self.trust is None or skill.trust in self.trust)
            and (self.tag is None or self.tag in skill.tags)
        )


@runtime_checkable
class SkillStorage(Protocol):
    """Persistent, tenant-scoped skills. See ``tests/test_storage_contract.py``."""

    tenant: str

    def for_tenant(self, tenant: str) -> SkillStorage:
        """The same store, scoped to another tenant."""
        ...

    def create(
        self,
        spec: SkillSpec,
        *,
        author: str | None = None,
        trust: TrustLevel = ...,
        origin: SkillOrigin | None = None,
    ) -> Skill:
        """Store version 1. Raises ``SkillExists`` if the name is taken. ``origin``: the
        execution/request/user that made it (their runs are no trust evidence)."""
        ...

    def get(self, name: str) -> Skill:
        """The current version. Raises ``SkillNotFound``."""
        ...

    def list(
        self,
        *,
        status: SkillStatus | Iterable[SkillStatus] | None = None,
        trust: TrustLevel | Iterable[TrustLevel] | None = None,
        tag: str | None = None,
        limit: int | None = None,
    ) -> list[Skill]:
        """Skills ordered by name."""
        ...

    def search(
        self,
        query: str,
        *,
        limit: int = 10,
        status: SkillStatus | Iterable[SkillStatus] | None = SEARCHABLE,
        trust: TrustLevel | Iterable[TrustLevel] | None = None,
        tag: str | None = None,
    ) -> list[SearchHit]:
        """Skills ranked by BM25 relevance to ``query`` (no hit: empty list)."""
        ...

    def update(
        self,
        name: str,
        changes: SkillChanges,
        *,
        author: str | None = None,
        note: str | None = None,
        trust: TrustLevel = ...,
        expected_version: int | None = None,
        origin: SkillOrigin | None = None,
        review_edits: bool = False,
    ) -> Skill:
        """Store a new version. If it changes behaviour (code, schemas, dependencies) stats
        start afresh, trust returns to ``trust`` and ``origin`` replaces the old one; a
        description edit keeps them, except that with ``review_edits`` a trusted skill
        goes back to ``provisional``/``pending_review`` in the same atomic step."""
        ...

    def rollback(
        self,
        name: str,
        version: int,
        *,
        author: str | None = None,
        trust: TrustLevel = ...,
        origin: SkillOrigin | None = None,
        review_edits: bool = False,
    ) -> Skill:
        """A new version whose content is that of ``version`` (edit rules as ``update``)."""
        ...

    def versions(self, name: str) -> list[SkillVersion]:
        """Every version, oldest first."""
        ...

    def get_version(self, name: str, version: int) -> SkillVersion: ...

    def set_state(
        self,
        name: str,
        *,
        status: SkillStatus | None = None,
        trust: TrustLevel | None = None,
        expect_status: SkillStatus | None = None,
        expect_trust: TrustLevel | None = None,
        expect_version: int | None = None,
        clear_evidence: bool = False,
    ) -> Skill | None:
        """Change status/trust atomically if the ``expect_*`` values hold (else None);
        ``clear_evidence`` also empties ``stats.evidence`` (the call stats stay)."""
        ...

    def record_execution(self, name: str, run: RunRecord) -> Skill:
        """Count one call atomically (no lost update under concurrency) and log it.

        A run of an older version (``run.version``) is logged but not counted."""
        ...

    def record_evidence(self, name: str, evidence: Evidence) -> Skill:
        """Count one execution's verdict in ``stats.evidence`` atomically (no lost update,
        distinct keys kept up to ``EVIDENCE_CAP``); ignored for an older version."""
        ...

    def runs(self, name: str, limit: int = 50) -> list[RunRecord]:
        """The latest runs, newest first."""
        ...

    def delete(self, name: str) -> bool: ...

    def count(self) -> int: ...

    def put_embedding(self, name: str, model: str, content_hash: str, vector: bytes) -> None:
        """Store a skill's vector (float32 bytes) for ``model``, computed from the text whose
        hash is ``content_hash``. Deleted with the skill."""
        ...

    def embeddings(self, model: str) -> dict[str, tuple[str, bytes]]:
        """Every stored vector of ``model`` in this tenant: name -> (content hash, bytes)."""
        ...

    def close(self) -> None: ...


def rollback_by_update(
    storage: SkillStorage,
    name: str,
    version: int,
    author: str | None,
    trust: TrustLevel,
    origin: SkillOrigin | None = None,
    review_edits: bool = False,
) -> Skill:
    """Every backend's ``rollback``: a new version carrying ``version``'s content."""
    old = storage.get_version(name, version)
    changes = SkillChanges(**old.model_dump(include=set(SkillChanges.model_fields)))
    return storage.update(
        name,
        changes,
        author=author,
        note=f"rollback to v{version}",
        trust=trust,
        origin=origin,
        review_edits=review_edits,
    )


def ranked_search(
    rank: Callable[[int | None], Sequence[tuple[str, float]]],
    load: Callable[[list[str]], dict[str, Skill]],
    keep: SkillFilter,
    limit: int,
) -> list[SearchHit]:
    """Filter a ranking down to ``limit`` hits; ``rank(n)`` gives the top n (None: all).

    Most searches are served from a short first cut; only when filters drop too many
    of it is the full ranking computed."""
    if limit <= 0:
        return []
    cut = max(limit * 4, 32)
    first = rank(cut)
    hits = rank_and_filter(first, load, keep, limit)
    if len(hits) < limit and len(first) >= cut:
        hits = rank_and_filter(rank(None), load, keep, limit)
    return hits


def rank_and_filter(
    ranked: Sequence[tuple[str, float]],
    load: Callable[[list[str]], dict[str, Skill]],
    keep: SkillFilter,
    limit: int,
) -> list[SearchHit]:
    """Walk a ranking in batches, loading skills and keeping those that pass ``keep``."""
    hits: list[SearchHit] = []
    batch = max(limit * 2, 16)
    for start in range(0, len(ranked), batch):
        chunk = ranked[start : start + batch]
        skills = load([key for key, _ in chunk])
        for key, score in chunk:
            skill = skills.get(key)
            if skill is not None and keep(skill):
                hits.append(SearchHit(skill=skill, score=round(score, 6)))
                if len(hits) >= limit:
                    return hits
    return hits
