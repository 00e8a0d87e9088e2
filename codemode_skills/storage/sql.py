"""``SQLSkillStorage``: skills in SQL through SQLAlchemy 2.0 (SQLite or PostgreSQL).

``sqlite:///skills.db`` is the embedded default; ``postgresql://user@host/db`` for a
shared server. Call counters are updated by the database itself
(``executions = executions + 1 ... RETURNING``), never read, changed and written back, so
concurrent writers in any number of processes cannot lose a count. Trust evidence (a
JSON document with capped sets of distinct keys) and content edits lock the skill's row
for the duration of the transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import case, delete, func, insert, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..records import (
    RECENT_WINDOW,
    Evidence,
    RunRecord,
    Skill,
    SkillVersion,
    apply_evidence,
    utcnow,
    validate_skill_name,
)
from .arguments import SkillFilter, StateChange
from .base import Ranking, StorageBase, not_found
from .sql_engine import get_engine
from .sql_models import EmbeddingRow, RunRow, SkillRow, TagRow, TermRow, VersionRow
from .text import bm25, document_terms

#: ``SkillStats`` fields kept in ``cms_skills`` columns of the same name (``recent`` is
#: kept as a string of "1"/"0", ``evidence`` as JSON).
_STAT_COLUMNS = (
    "executions",
    "successes",
    "failures",
    "last_used_at",
    "last_error",
    "total_duration_ms",
)
#: ``Skill`` fields kept in ``cms_skills`` columns of the same name.
_SKILL_COLUMNS = tuple(f for f in Skill.model_fields if f != "stats")
#: ``SkillVersion`` fields kept in ``cms_versions`` columns (the rest is ``content``).
_VERSION_COLUMNS = frozenset({"version", "created_at", "author", "note"})


def _to_skill(row: SkillRow) -> Skill:
    stats: dict[str, Any] = {c: getattr(row, c) for c in _STAT_COLUMNS}
    stats.update(recent=[c == "1" for c in row.recent], evidence=row.evidence or {})
    return Skill.model_validate({**{f: getattr(row, f) for f in _SKILL_COLUMNS}, "stats": stats})


def _values(skill: Skill) -> dict[str, Any]:
    stats = skill.stats
    values = skill.model_dump(exclude={"stats", "origin"}, mode="python")
    values.update({c: getattr(stats, c) for c in _STAT_COLUMNS})
    values.update(
        status=skill.status.value,
        trust=skill.trust.value,
        recent="".join("1" if ok else "0" for ok in stats.recent),
        evidence=stats.evidence.model_dump(mode="json"),
        origin=skill.origin.model_dump(mode="json") if skill.origin else None,
        doc_length=sum(document_terms(skill).values()),
    )
    return values


def _version_values(skill_id: str, v: SkillVersion) -> dict[str, Any]:
    content = v.model_dump(mode="json", exclude=_VERSION_COLUMNS)
    return {"skill_id": skill_id, "content": content, **v.model_dump(include=_VERSION_COLUMNS)}


def _to_version(row: VersionRow) -> SkillVersion:
    return SkillVersion.model_validate(
        {**row.content, **{c: getattr(row, c) for c in _VERSION_COLUMNS}}
    )


class SQLSkillStorage(StorageBase):
    """SQL storage. ``SQLSkillStorage("sqlite:///skills.db", tenant="acme")``."""

    def __init__(self, url: str = "sqlite:///skills.db", tenant: str = "default") -> None:
        super().__init__(tenant)
        self.url = url
        self.engine = get_engine(url)

    def __repr__(self) -> str:
        return f"SQLSkillStorage({self.engine.url.render_as_string()!r}, tenant={self.tenant!r})"

    def for_tenant(self, tenant: str) -> SQLSkillStorage:
        return SQLSkillStorage(self.url, tenant)

    # -- helpers -------------------------------------------------------------------------
    def _where(self, name: str) -> Any:
        return (SkillRow.tenant == self.tenant) & (SkillRow.name == validate_skill_name(name))

    def _row(self, session: Session, name: str, *, lock: bool = False) -> SkillRow:
        stmt = select(SkillRow).where(self._where(name))
        row = session.scalars(stmt.with_for_update() if lock else stmt).one_or_none()
        if row is None:
            raise not_found(name)
        return row

    def _index(self, session: Session, skill: Skill, *, replace: bool) -> None:
        if replace:
            session.execute(delete(TermRow).where(TermRow.skill_id == skill.id))
            session.execute(delete(TagRow).where(TagRow.skill_id == skill.id))
        terms = [
            {"skill_id": skill.id, "term": t[:64], "tenant": self.tenant, "tf": n}
            for t, n in document_terms(skill).items()
        ]
        if terms:
            session.execute(insert(TermRow), terms)
        if skill.tags:
            tags = [{"skill_id": skill.id, "tag": t, "tenant": self.tenant} for t in skill.tags]
            session.execute(insert(TagRow), tags)

    # -- StorageBase hooks ---------------------------------------------------------------
    def _insert(self, skill: Skill) -> bool:
        try:
            with Session(self.engine) as session, session.begin():
                session.execute(insert(SkillRow).values(**_values(skill)))
                session.execute(
                    insert(VersionRow).values(**_version_values(skill.id, skill.snapshot()))
                )
                self._index(session, skill, replace=False)
        except IntegrityError:
            return False
        return True

    def _list(self, keep: SkillFilter, limit: int | None) -> list[Skill]:
        stmt = select(SkillRow).where(SkillRow.tenant == self.tenant).order_by(SkillRow.name)
        if keep.status is not None:
            stmt = stmt.where(SkillRow.status.in_([s.value for s in keep.status]))
        if keep.trust is not None:
            stmt = stmt.where(SkillRow.trust.in_([t.value for t in keep.trust]))
        if keep.tag is not None:
            stmt = stmt.join(TagRow, TagRow.skill_id == SkillRow.id).where(TagRow.tag == keep.tag)
        if limit is not None:
            stmt = stmt.limit(limit)
        with Session(self.engine) as session:
            return [_to_skill(row) for row in session.scalars(stmt)]

    def _load(self, keys: list[str]) -> dict[str, Skill]:
        with Session(self.engine) as session:
            rows = session.scalars(select(SkillRow).where(SkillRow.id.in_(keys)))
            return {row.id: _to_skill(row) for row in rows}

    def _ranking(self, terms: list[str]) -> Ranking:
        """One query reads the postings of ``terms``; every cut is ranked from them."""
        with Session(self.engine) as session:
            n, avg = session.execute(
                select(func.count(), func.avg(SkillRow.doc_length)).where(
                    SkillRow.tenant == self.tenant
                )
            ).one()
            rows = session.execute(
                select(TermRow.skill_id, TermRow.term, TermRow.tf, SkillRow.doc_length)
                .join(SkillRow, SkillRow.id == TermRow.skill_id)
                .where(TermRow.tenant == self.tenant, TermRow.term.in_(terms))
            ).all()
        postings: dict[str, dict[str, int]] = {}
        lengths: dict[str, int] = {}
        for skill_id, term, tf, length in rows:
            postings.setdefault(term, {})[skill_id] = tf
            lengths[skill_id] = length
        avg_length = float(avg or 0)
        return lambda cut: bm25(
            terms, postings, lengths, n_docs=n, avg_length=avg_length, limit=cut
        )

    def _update(self, name: str, edit: Callable[[Skill], Skill], note: str | None) -> Skill:
        with Session(self.engine) as session, session.begin():
            skill = edit(_to_skill(self._row(session, name, lock=True)))
            values = _values(skill)
            session.execute(update(SkillRow).where(SkillRow.id == skill.id).values(**values))
            session.execute(
                insert(VersionRow).values(**_version_values(skill.id, skill.snapshot(note)))
            )
            self._index(session, skill, replace=True)
        return skill

    def _set_state(self, name: str, change: StateChange) -> Skill | None:
        stmt = update(SkillRow).where(self._where(name)).values(updated_at=utcnow())
        stmt = stmt.values(**change.sets())
        if change.clear_evidence:
            stmt = stmt.values(evidence=None)
        for column, value in change.expects().items():
            stmt = stmt.where(getattr(SkillRow, column) == value)
        with Session(self.engine) as session, session.begin():
            row = session.scalars(stmt.returning(SkillRow)).one_or_none()
            if row is not None:
                return _to_skill(row)
            self._row(session, name)  # raises SkillNotFound if that is why
            return None

    # -- SkillStorage --------------------------------------------------------------------
    def get(self, name: str) -> Skill:
        with Session(self.engine) as session:
            return _to_skill(self._row(session, name))

    def versions(self, name: str) -> list[SkillVersion]:
        with Session(self.engine) as session:
            row = self._row(session, name)
            rows = session.scalars(
                select(VersionRow).where(VersionRow.skill_id == row.id).order_by(VersionRow.version)
            )
            return [_to_version(v) for v in rows]

    def _version(self, name: str, version: int) -> SkillVersion | None:
        with Session(self.engine) as session:
            found = session.get(VersionRow, (self._row(session, name).id, version))
            return _to_version(found) if found is not None else None

    def record_execution(self, name: str, run: RunRecord) -> Skill:
        bit = "1" if run.success else "0"
        recent = case(
            (func.length(SkillRow.recent) >= RECENT_WINDOW, func.substr(SkillRow.recent, 2)),
            else_=SkillRow.recent,
        ) + literal(bit)
        stmt = (
            update(SkillRow)
            .where(self._where(name))
            .values(
                executions=SkillRow.executions + 1,
                successes=SkillRow.successes + (1 if run.success else 0),
                failures=SkillRow.failures + (0 if run.success else 1),
                recent=recent,
                last_used_at=run.at,
                total_duration_ms=SkillRow.total_duration_ms + run.duration_ms,
            )
        )
        if not run.success:
            stmt = stmt.values(last_error=run.error or "failed")
        if run.version is not None:
            stmt = stmt.where(SkillRow.version == run.version)
        with Session(self.engine) as session, session.begin():
            row = session.scalars(stmt.returning(SkillRow)).one_or_none()
            if row is None:  # missing, or a run of a version that is no longer current
                row = self._row(session, name)
            session.execute(
                insert(RunRow).values(
                    skill_id=row.id,
                    version=run.version or row.version,
                    at=run.at,
                    success=run.success,
                    duration_ms=run.duration_ms,
                    error=run.error,
                    caller=run.caller,
                    execution=run.execution,
                )
            )
            return _to_skill(row)

    def record_evidence(self, name: str, evidence: Evidence) -> Skill:
        with Session(self.engine) as session, session.begin():
            row = self._row(session, name, lock=True)  # SQLite: BEGIN IMMEDIATE already
            if row.version != evidence.version:  # a verdict on code no longer current
                return _to_skill(row)
            counted = apply_evidence(_to_skill(row).stats.evidence, evidence)
            row.evidence = counted.model_dump(mode="json")
            session.flush()
            return _to_skill(row)

    def runs(self, name: str, limit: int = 50) -> list[RunRecord]:
        with Session(self.engine) as session:
            row = self._row(session, name)
            rows = session.scalars(
                select(RunRow)
                .where(RunRow.skill_id == row.id)
                .order_by(RunRow.id.desc())
                .limit(max(limit, 0))
            )
            return [RunRecord.model_validate(r, from_attributes=True) for r in rows]

    def delete(self, name: str) -> bool:
        with Session(self.engine) as session, session.begin():
            stmt = select(SkillRow.id).where(self._where(name)).with_for_update()
            skill_id = session.scalar(stmt)
            if skill_id is None:
                return False
            for table in (RunRow, TermRow, TagRow, VersionRow, EmbeddingRow):
                session.execute(delete(table).where(table.skill_id == skill_id))
            session.execute(delete(SkillRow).where(SkillRow.id == skill_id))
            return True

    def put_embedding(self, name: str, model: str, content_hash: str, vector: bytes) -> None:
        with Session(self.engine) as session, session.begin():
            row = self._row(session, name, lock=True)
            key = (EmbeddingRow.skill_id == row.id) & (EmbeddingRow.model == model)
            session.execute(delete(EmbeddingRow).where(key))
            session.execute(
                insert(EmbeddingRow).values(
                    skill_id=row.id,
                    model=model,
                    tenant=self.tenant,
                    content_hash=content_hash,
                    vector=vector,
                )
            )

    def embeddings(self, model: str) -> dict[str, tuple[str, bytes]]:
        stmt = (
            select(SkillRow.name, EmbeddingRow.content_hash, EmbeddingRow.vector)
            .join(SkillRow, SkillRow.id == EmbeddingRow.skill_id)
            .where(EmbeddingRow.tenant == self.tenant, EmbeddingRow.model == model)
        )
        with Session(self.engine) as session:
            return {name: (h, bytes(v)) for name, h, v in session.execute(stmt)}

    def count(self) -> int:
        with Session(self.engine) as session:
            return (
                session.scalar(
                    select(func.count()).select_from(SkillRow).where(SkillRow.tenant == self.tenant)
                )
                or 0
            )
