"""Skill storage: one protocol, four backends, ``open_storage(url, tenant=...)``.

The SQL and MongoDB backends import their drivers lazily, so ``import
codemode_skills.storage`` works without the ``sql``/``mongo`` extras installed.
"""

from __future__ import annotations

from typing import Any

from .base import SEARCHABLE, SkillFilter, SkillStorage
from .file import FileSkillStorage
from .memory import MemorySkillStorage
from .url import open_storage

__all__ = [
    "SEARCHABLE",
    "FileSkillStorage",
    "MemorySkillStorage",
    "MongoSkillStorage",
    "SQLSkillStorage",
    "SkillFilter",
    "SkillStorage",
    "open_storage",
]


def __getattr__(name: str) -> Any:
    if name == "SQLSkillStorage":
        from .sql import SQLSkillStorage

        return SQLSkillStorage
    if name == "MongoSkillStorage":
        from .mongo import MongoSkillStorage

        return MongoSkillStorage
    raise AttributeError(name)
