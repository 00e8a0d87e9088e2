"""The SQL schema of ``SQLSkillStorage`` (SQLAlchemy 2.0 typed declarative models).

Tables carry a ``cms_`` prefix so they can live in an application's own database.
``cms_schema`` records the schema version: it is created on first use, and a database
written by a newer version of the library is refused rather than silently misread.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, MappedColumn, mapped_column

#: 2: ``cms_skills.evidence`` and ``.origin`` (trust counts independent executions only)
#: and ``cms_runs.execution``; ``sql_engine.MIGRATIONS[1]`` adds them to a version-1 store.
SCHEMA_VERSION = 2


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every dialect (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        value = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


class Base(DeclarativeBase):
    pass


class SchemaRow(Base):
    __tablename__ = "cms_schema"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer)


class SkillRow(Base):
    """The current version of a skill, with its state and counters."""

    __tablename__ = "cms_skills"
    __table_args__ = (UniqueConstraint("tenant", "name", name="uq_cms_skills_tenant_name"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text)
    code: Mapped[str] = mapped_column(Text)
    input_schema: Mapped[dict[str, Any]] = mapped_column(JSON)
    output_schema: Mapped[dict[str, Any]] = mapped_column(JSON)
    usage_hints: Mapped[list[str]] = mapped_column(JSON)
    tags: Mapped[list[str]] = mapped_column(JSON)
    depends_on: Mapped[list[str]] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    trust: Mapped[str] = mapped_column(String(20))
    executions: Mapped[int] = mapped_column(Integer, default=0)
    successes: Mapped[int] = mapped_column(Integer, default=0)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    recent: Mapped[str] = mapped_column(String(64), default="")  # "1"/"0" per run, newest last
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    total_duration_ms: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    author: Mapped[str | None] = mapped_column(String(256), nullable=True)
    doc_length: Mapped[int] = mapped_column(Integer, default=0)
    # ``TrustEvidence`` and ``SkillOrigin`` as JSON; NULL (a version-1 row) means empty
    evidence: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    origin: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


def _skill_id(*, primary_key: bool) -> MappedColumn[str]:
    """The ``skill_id`` column of a table whose rows belong to one ``cms_skills`` row."""
    return mapped_column(
        String(32), ForeignKey("cms_skills.id", ondelete="CASCADE"), primary_key=primary_key
    )


class VersionRow(Base):
    """Every version's content (history and rollback)."""

    __tablename__ = "cms_versions"

    skill_id: Mapped[str] = _skill_id(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    author: Mapped[str | None] = mapped_column(String(256), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)


class TermRow(Base):
    """The search index: weighted term frequencies of each skill's text."""

    __tablename__ = "cms_terms"
    __table_args__ = (Index("ix_cms_terms_tenant_term", "tenant", "term"),)

    skill_id: Mapped[str] = _skill_id(primary_key=True)
    term: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(128))
    tf: Mapped[int] = mapped_column(Integer)


class TagRow(Base):
    """A skill's tags, indexed per tenant (``list(tag=...)``)."""

    __tablename__ = "cms_tags"
    __table_args__ = (Index("ix_cms_tags_tenant_tag", "tenant", "tag"),)

    skill_id: Mapped[str] = _skill_id(primary_key=True)
    tag: Mapped[str] = mapped_column(String(128), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(128))


class EmbeddingRow(Base):
    """A skill's vector for one embedding model (float32 bytes) and the hash of its text."""

    __tablename__ = "cms_embeddings"
    __table_args__ = (Index("ix_cms_embeddings_tenant_model", "tenant", "model"),)

    skill_id: Mapped[str] = _skill_id(primary_key=True)
    model: Mapped[str] = mapped_column(String(128), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(128))
    content_hash: Mapped[str] = mapped_column(String(64))
    vector: Mapped[bytes] = mapped_column(LargeBinary)


class RunRow(Base):
    """One recorded run (every run is kept: the audit trail of what ran when)."""

    __tablename__ = "cms_runs"
    __table_args__ = (Index("ix_cms_runs_skill", "skill_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    skill_id: Mapped[str] = _skill_id(primary_key=False)
    version: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    success: Mapped[bool] = mapped_column(Boolean)
    duration_ms: Mapped[float] = mapped_column(Float)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    caller: Mapped[str | None] = mapped_column(String(256), nullable=True)
    execution: Mapped[str | None] = mapped_column(String(32), nullable=True)


class AuditRow(Base):
    """One audit record (``security.audit.AuditRecord``, written by ``storage.audit``);
    created with the schema."""

    __tablename__ = "cms_audit"
    __table_args__ = (Index("ix_cms_audit_tenant_id", "tenant", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    action: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(16))
    tenant: Mapped[str | None] = mapped_column(String(128), nullable=True)
    user: Mapped[str | None] = mapped_column(String(256), nullable=True)
    request_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    target: Mapped[str | None] = mapped_column(String(128), nullable=True)
    duration_ms: Mapped[float | None] = mapped_column(Float, nullable=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)
