"""The ``SkillStorage`` protocol every backend implements, and ``StorageBase``: what they
share.

A storage object is bound to one tenant: every method reads and writes only that
tenant's skills, and every method validates the skill name before it touches anything
(the name is also a path component in ``FileSkillStorage``). ``for_tenant`` gives a view
of another tenant over the same connection (one engine or client per URL).

Methods are synchronous and thread-safe; ``SkillManager`` calls them from a worker thread
so they never stall the event loop.

The protocol is the public contract (a store of one's own need not extend anything).
``StorageBase`` writes once the rules no backend does differently: the keyword filters
of ``list``/``search``, the BM25 search over a backend's ranking, the edit rule of
``update`` (expected version, ``next_version``), ``rollback``, ``get_version`` and the
``set_state`` arguments; each backend supplies the few hooks that touch its database.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar, runtime_checkable

from ..errors import SkillConflict, SkillExists, SkillNotFound
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
    create_skill,
    next_version,
    validate_skill_name,
)
from ..security.context import validate_tenant
from .arguments import SEARCHABLE, SkillFilter, StateChange, Statuses, Trusts
from .text import query_terms

#: A backend's ranking for one query: ``rank(n)`` gives the top n (None: all) as
#: (key, score), best first; the keys are what the backend's ``_load`` takes.
Ranking = Callable[[int | None], Sequence[tuple[str, float]]]


@runtime_checkable
class SkillStorage(Protocol):
    """Persistent, tenant-scoped skills. The contract suite: ``tests/test_storage_*.py``."""

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
        status: Statuses = None,
        trust: Trusts = None,
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
        status: Statuses = SEARCHABLE,
        trust: Trusts = None,
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


def not_found(name: str) -> SkillNotFound:
    """The error every backend raises for a name this tenant has no skill under."""
    return SkillNotFound(f"no skill named {name!r}")


_S = TypeVar("_S", bound="StorageBase")


class StorageBase(ABC):
    """Base class of the backends: the ``SkillStorage`` methods whose rules are the same
    everywhere, over hooks each backend implements (``_insert``, ``_list``, ``_ranking``,
    ``_load``, ``_update``, ``_set_state``). The other methods are the backend's own."""

    def __init__(self, tenant: str) -> None:
        self.tenant = validate_tenant(tenant)

    # -- hooks ---------------------------------------------------------------------------
    @abstractmethod
    def _insert(self, skill: Skill) -> bool:
        """Store a new skill with its version 1; False (nothing stored) if the name is
        taken."""

    @abstractmethod
    def _list(self, keep: SkillFilter, limit: int | None) -> list[Skill]:
        """The skills ``keep`` accepts, by name, at most ``limit``."""

    @abstractmethod
    def _ranking(self, terms: list[str]) -> Ranking:
        """The ranking of this tenant's skills for ``terms`` (a non-empty list)."""

    @abstractmethod
    def _load(self, keys: list[str]) -> dict[str, Skill]:
        """The skills of the ranking keys that still exist, by key."""

    @abstractmethod
    def _update(self, name: str, edit: Callable[[Skill], Skill], note: str | None) -> Skill:
        """Replace ``name``'s current version by ``edit(current)`` atomically (``edit``
        may raise, and may be called again on a retry) and keep it in the history."""

    @abstractmethod
    def _set_state(self, name: str, change: StateChange) -> Skill | None:
        """Apply ``change`` atomically if its expectations hold (else None)."""

    @abstractmethod
    def versions(self, name: str) -> list[SkillVersion]:
        """Every version, oldest first (``get_version`` and ``rollback`` read it)."""

    def _version(self, name: str, version: int) -> SkillVersion | None:
        """One version of a skill that exists (None: no such version). A backend that can
        fetch one version alone overrides this walk through ``versions``."""
        return next((v for v in self.versions(name) if v.version == version), None)

    # -- SkillStorage --------------------------------------------------------------------
    def create(
        self,
        spec: SkillSpec,
        *,
        author: str | None = None,
        trust: TrustLevel = TrustLevel.UNTRUSTED,
        origin: SkillOrigin | None = None,
    ) -> Skill:
        validate_skill_name(spec.name)
        skill = create_skill(spec, tenant=self.tenant, author=author, trust=trust, origin=origin)
        if not self._insert(skill):
            raise SkillExists(f"a skill named {spec.name!r} already exists")
        return skill

    def list(
        self,
        *,
        status: Statuses = None,
        trust: Trusts = None,
        tag: str | None = None,
        limit: int | None = None,
    ) -> list[Skill]:
        return self._list(SkillFilter.of(status, trust, tag), limit)

    def search(
        self,
        query: str,
        *,
        limit: int = 10,
        status: Statuses = SEARCHABLE,
        trust: Trusts = None,
        tag: str | None = None,
    ) -> list[SearchHit]:
        """Most searches are served from a short first cut of the ranking; only when the
        filters drop too many of it is the full ranking walked."""
        terms = query_terms(query)
        if not terms or limit <= 0:
            return []
        keep = SkillFilter.of(status, trust, tag)
        rank = self._ranking(terms)
        cut = max(limit * 4, 32)
        first = rank(cut)
        hits = self._hits(first, keep, limit)
        if len(hits) < limit and len(first) >= cut:
            hits = self._hits(rank(None), keep, limit)
        return hits

    def _hits(
        self, ranked: Sequence[tuple[str, float]], keep: SkillFilter, limit: int
    ) -> list[SearchHit]:
        """Walk a ranking in batches, loading skills and keeping those that pass ``keep``."""
        hits: list[SearchHit] = []
        batch = max(limit * 2, 16)
        for start in range(0, len(ranked), batch):
            chunk = ranked[start : start + batch]
            skills = self._load([key for key, _ in chunk])
            for key, score in chunk:
                skill = skills.get(key)
                if skill is not None and keep(skill):
                    hits.append(SearchHit(skill=skill, score=round(score, 6)))
                    if len(hits) >= limit:
                        return hits
        return hits

    def update(
        self,
        name: str,
        changes: SkillChanges,
        *,
        author: str | None = None,
        note: str | None = None,
        trust: TrustLevel = TrustLevel.UNTRUSTED,
        expected_version: int | None = None,
        origin: SkillOrigin | None = None,
        review_edits: bool = False,
    ) -> Skill:
        validate_skill_name(name)
        content = changes.content()

        def edit(current: Skill) -> Skill:
            if expected_version is not None and current.version != expected_version:
                found = current.version
                raise SkillConflict(f"{name!r} is at version {found}, not {expected_version}")
            return next_version(
                current,
                content,
                author=author,
                trust=trust,
                origin=origin,
                review_edits=review_edits,
            )

        return self._update(name, edit, note)

    def rollback(
        self,
        name: str,
        version: int,
        *,
        author: str | None = None,
        trust: TrustLevel = TrustLevel.UNTRUSTED,
        origin: SkillOrigin | None = None,
        review_edits: bool = False,
    ) -> Skill:
        old = self.get_version(name, version)
        changes = SkillChanges(**old.model_dump(include=set(SkillChanges.model_fields)))
        return self.update(
            name,
            changes,
            author=author,
            note=f"rollback to v{version}",
            trust=trust,
            origin=origin,
            review_edits=review_edits,
        )

    def get_version(self, name: str, version: int) -> SkillVersion:
        found = self._version(name, version)
        if found is None:
            raise SkillNotFound(f"skill {name!r} has no version {version}")
        return found

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
        validate_skill_name(name)
        change = StateChange(
            status=status,
            trust=trust,
            expect_status=expect_status,
            expect_trust=expect_trust,
            expect_version=expect_version,
            clear_evidence=clear_evidence,
        )
        return self._set_state(name, change)

    def close(self) -> None:
        """Nothing to release by default: the SQL and MongoDB backends share one engine or
        client per URL (``sql_engine.dispose_all()`` closes the engines)."""
        return None

    def __enter__(self: _S) -> _S:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
