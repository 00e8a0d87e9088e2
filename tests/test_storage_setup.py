"""Opening storage: URLs, the public names, the versioned SQL schema."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from codemode_skills.errors import StorageError
from codemode_skills.storage import open_storage


def test_public_names_import() -> None:
    from codemode_skills.storage import (  # noqa: F401 - the names DESIGN.md promises
        FileSkillStorage,
        MemorySkillStorage,
        MongoSkillStorage,
        SQLSkillStorage,
        open_storage,
    )
    from codemode_skills.trust import (  # noqa: F401
        AlwaysTrustedStrategy,
        CustomTrustStrategy,
        DefaultTrustStrategy,
        RelaxedTrustStrategy,
        TrustLevel,
    )

    assert SQLSkillStorage.__name__ == "SQLSkillStorage"


@pytest.mark.parametrize(
    "url", ["", "skills.db", "ftp://x/y", "file://remotehost/path", "file://", 42]
)
def test_bad_urls_are_refused(url: Any) -> None:
    with pytest.raises(StorageError):
        open_storage(url)


def test_url_schemes_pick_backends(tmp_path: Path, mongo_url: str, postgres_url: str) -> None:
    expected = {
        "memory://": "MemorySkillStorage",
        f"file://{tmp_path}/f": "FileSkillStorage",
        f"sqlite:///{tmp_path}/s.db": "SQLSkillStorage",
        postgres_url: "SQLSkillStorage",
        postgres_url.replace("postgresql://", "postgres://"): "SQLSkillStorage",
        mongo_url: "MongoSkillStorage",
    }
    for url, backend in expected.items():
        storage = open_storage(url, tenant="acme")
        assert type(storage).__name__ == backend and storage.tenant == "acme"


def test_named_memory_stores_are_shared() -> None:
    a = open_storage("memory://shared-test", tenant="t")
    b = open_storage("memory://shared-test", tenant="t")
    c = open_storage("memory://", tenant="t")
    from codemode_skills.skills import SkillSpec

    a.create(SkillSpec(name="x", description="d", code="return 1"))
    assert b.get("x").name == "x"
    assert c.count() == 0


def test_sql_schema_is_created_and_versioned(tmp_path: Path) -> None:
    from codemode_skills.storage.sql_models import SCHEMA_VERSION

    db = tmp_path / "fresh.db"
    storage = open_storage(f"sqlite:///{db}", tenant="t")
    assert storage.count() == 0
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT version FROM cms_schema").fetchall() == [(SCHEMA_VERSION,)]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"cms_skills", "cms_versions", "cms_terms", "cms_tags", "cms_runs"} <= tables


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "future.db"
    open_storage(f"sqlite:///{db}", tenant="t")
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE cms_schema SET version = 99")
    from codemode_skills.storage.sql_engine import dispose_all

    dispose_all()  # forget the engine, as a new process would
    with pytest.raises(StorageError, match="newer"):
        open_storage(f"sqlite:///{db}", tenant="t")


def test_unreachable_servers_raise_storage_error() -> None:
    with pytest.raises(StorageError):
        open_storage("postgresql://nobody@127.0.0.1:1/none", tenant="t")
