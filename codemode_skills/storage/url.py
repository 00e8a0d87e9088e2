"""``open_storage(url, tenant=...)`` and ``open_audit_log(url)``: pick a backend from a URL.

The SQL and MongoDB modules are imported only when their scheme is asked for, so opening
a memory or file store (or audit log) works without the ``sql``/``mongo`` extras.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from ..errors import StorageError
from ..security.audit import AuditLog, JsonLinesAuditLog, MemoryAuditLog
from .base import SkillStorage


def open_storage(url: str, *, tenant: str = "default") -> SkillStorage:
    """Open a tenant's view of a skill store.

    - ``memory://`` (a new store) or ``memory://name`` (shared by name in this process)
    - ``file:///var/lib/skills``
    - ``sqlite:///skills.db`` (relative) or ``sqlite:////abs/skills.db``
    - ``postgresql://user:pass@host:5432/db`` (psycopg 3)
    - ``mongodb://host:27017/db`` (the database name defaults to ``codemode_skills``)
    """
    if not isinstance(url, str) or "://" not in url:
        raise StorageError(f"not a storage URL: {url!r} (e.g. 'sqlite:///skills.db')")
    scheme = url.split("://", 1)[0].lower()
    if scheme == "memory":
        from .memory import MemorySkillStorage, named_store

        return MemorySkillStorage(tenant, store=named_store(url.split("://", 1)[1]))
    if scheme == "file":
        from .file import FileSkillStorage

        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise StorageError(f"file URLs name a local path: file:///path, not {url!r}")
        if not parts.path:
            raise StorageError("file:// URL without a path")
        return FileSkillStorage(unquote(parts.path), tenant)
    if scheme.startswith(("sqlite", "postgresql", "postgres")):
        try:
            from .sql import SQLSkillStorage
        except ImportError as exc:  # pragma: no cover - depends on installed extras
            raise StorageError("SQL storage needs: pip install 'codemode-skills[sql]'") from exc
        if scheme.startswith("postgres") and not scheme.startswith("postgresql"):
            url = "postgresql" + url[len("postgres") :]
        return SQLSkillStorage(url, tenant)
    if scheme in ("mongodb", "mongodb+srv"):
        try:
            from .mongo import MongoSkillStorage
        except ImportError as exc:  # pragma: no cover - depends on installed extras
            hint = "MongoDB storage needs: pip install 'codemode-skills[mongo]'"
            raise StorageError(hint) from exc
        return MongoSkillStorage(url, tenant)
    raise StorageError(
        f"unknown storage scheme {scheme!r}: use memory://, file://, sqlite://, "
        "postgresql:// or mongodb://"
    )


def open_audit_log(url: str) -> AuditLog:
    """``memory://``, ``jsonl:///path/audit.jsonl`` (or a plain path), or a SQL URL
    (``sqlite:///...``, ``postgresql://...``: the ``cms_audit`` table)."""
    if url == "memory://":
        return MemoryAuditLog()
    if url.startswith("jsonl://"):
        return JsonLinesAuditLog(url[len("jsonl://") :])
    if url.startswith(("sqlite:", "postgresql")):
        from .audit import SQLAuditLog

        return SQLAuditLog(url)
    if "://" not in url:
        return JsonLinesAuditLog(url)
    raise ValueError(f"unknown audit log URL {url!r}")
