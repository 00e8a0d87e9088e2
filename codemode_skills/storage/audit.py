"""``SQLAuditLog``: the audit sink that writes the ``cms_audit`` table.

The table is part of the skills' SQL schema (``sql_models.AuditRow``), so the audit trail
can live in the same database as the skills, on the engine ``SQLSkillStorage`` already
opened for that URL. The record and the ``AuditLog`` protocol are security's
(``security.audit``); writing SQL is storage's job, which is why the sink lives here.
"""

from __future__ import annotations

from sqlalchemy import select

from ..security.audit import AuditRecord
from .sql_engine import get_engine
from .sql_models import AuditRow


class SQLAuditLog:
    """Records in the ``cms_audit`` table of a SQL database (the skills' own, or another)."""

    def __init__(self, url: str) -> None:
        self.engine = get_engine(url)

    def write(self, record: AuditRecord) -> None:
        with self.engine.begin() as conn:
            conn.execute(AuditRow.__table__.insert().values(**record.model_dump()))

    def read(
        self,
        *,
        tenant: str | None = None,
        action: str | None = None,
        target: str | None = None,
        limit: int = 100,
    ) -> list[AuditRecord]:
        """The newest matching records first."""
        query = select(AuditRow.__table__).order_by(AuditRow.id.desc()).limit(limit)
        for column, value in (("tenant", tenant), ("action", action), ("target", target)):
            if value is not None:
                query = query.where(getattr(AuditRow, column) == value)
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [AuditRecord.model_validate({k: v for k, v in r.items() if k != "id"}) for r in rows]
