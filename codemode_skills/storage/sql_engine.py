"""One SQLAlchemy engine per URL, set up for concurrent writers, schema on first use.

SQLite: WAL journal, a busy timeout, and ``BEGIN IMMEDIATE`` for every transaction, so
concurrent writers queue for the write lock instead of failing with "database is
locked" halfway through a read-modify-write. PostgreSQL: psycopg 3, and a transaction-
scoped advisory lock while the schema is created so two processes starting at once do
not race on ``CREATE TABLE``.
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import Engine, create_engine, event, select, text
from sqlalchemy.engine import make_url

from ..errors import StorageError
from .sql_models import SCHEMA_VERSION, Base, SchemaRow

_ENGINES: dict[str, Engine] = {}
_LOCK = threading.Lock()
_SCHEMA_LOCK_KEY = 0x636D73  # "cms"

#: Upgrades from version n to n+1, applied in order inside one transaction. The types
#: are ones both SQLite and PostgreSQL know; the models say the same (``sql_models``).
MIGRATIONS: dict[int, list[str]] = {
    1: [
        "ALTER TABLE cms_skills ADD COLUMN evidence JSON",
        "ALTER TABLE cms_skills ADD COLUMN origin JSON",
        "ALTER TABLE cms_runs ADD COLUMN execution VARCHAR(32)",
    ],
}


def normalize_url(url: str) -> str:
    """``postgresql://`` means psycopg 3 (the driver the ``postgres`` extra installs)."""
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _sqlite_setup(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # let SQLAlchemy's begin event own BEGIN
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def get_engine(url: str) -> Engine:
    """The process-wide engine for ``url``, with the schema ready."""
    url = normalize_url(url)
    with _LOCK:
        engine = _ENGINES.get(url)
        if engine is not None:
            return engine
        try:
            if url.startswith("sqlite"):
                args = {"timeout": 30, "check_same_thread": False}
                engine = create_engine(url, connect_args=args)
                _sqlite_setup(engine)
            else:
                engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)
            ensure_schema(engine)
        except StorageError:
            raise
        except Exception as exc:
            raise StorageError(f"cannot open SQL storage: {type(exc).__name__}: {exc}") from exc
        _ENGINES[url] = engine
        return engine


def ensure_schema(engine: Engine) -> None:
    """Create the tables if missing, record the schema version, refuse newer schemas."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _SCHEMA_LOCK_KEY})
        Base.metadata.create_all(conn, checkfirst=True)
        row = conn.execute(select(SchemaRow.version).where(SchemaRow.id == 1)).scalar()
        if row is None:
            conn.execute(SchemaRow.__table__.insert().values(id=1, version=SCHEMA_VERSION))
            return
        if row > SCHEMA_VERSION:
            raise StorageError(
                f"the database's skill schema is version {row}, newer than this library's "
                f"({SCHEMA_VERSION}); upgrade codemode-skills"
            )
        for version in range(row, SCHEMA_VERSION):
            for statement in MIGRATIONS.get(version, []):
                conn.execute(text(statement))
        if row < SCHEMA_VERSION:
            conn.execute(
                SchemaRow.__table__.update().where(SchemaRow.id == 1).values(version=SCHEMA_VERSION)
            )


def dispose_all() -> None:
    """Close every engine (tests, and apps that fork after opening storage)."""
    with _LOCK:
        for engine in _ENGINES.values():
            engine.dispose()
        _ENGINES.clear()
