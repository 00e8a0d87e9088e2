"""Skill storage: one protocol, four backends, ``open_storage(url, tenant=...)``; and the
audit sinks that need a database, ``open_audit_log(url)`` and ``SQLAuditLog``.

The SQL and MongoDB backends (and the SQL audit sink) import their drivers lazily, so
``import codemode_skills.storage`` works without the ``sql``/``mongo`` extras installed.
"""

from __future__ import annotations

from typing import Any

from .base import SEARCHABLE, SkillFilter, SkillStorage, StorageBase
from .file import FileSkillStorage
from .memory import MemorySkillStorage
from .url import open_audit_log, open_storage

__all__ = [
    "SEARCHABLE",
    "FileSkillStorage",
    "MemorySkillStorage",
    "MongoSkillStorage",
    "SQLAuditLog",
    "SQLSkillStorage",
    "SkillFilter",
    "SkillStorage",
    "StorageBase",
    "open_audit_log",
    "open_storage",
]


def __getattr__(name: str) -> Any:
    if name == "SQLSkillStorage":
        from .sql import SQLSkillStorage

        return SQLSkillStorage
    if name == "SQLAuditLog":
        from .audit import SQLAuditLog

        return SQLAuditLog
    if name == "MongoSkillStorage":
        from .mongo import MongoSkillStorage

        return MongoSkillStorage
    raise AttributeError(name)
