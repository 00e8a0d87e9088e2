"""``MemorySkillStorage``: skills in a dict, for tests, demos and single-process apps.

Reads return copies (pydantic deep copies), never the stored objects, so a caller that
mutates a returned ``Skill`` cannot change the store behind the lock's back.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from ..records import RunRecord, Skill, SkillVersion
from .document import DocumentStorage
from .text import InvertedIndex

RUN_LOG = 1_000  # runs kept per skill


@dataclass
class _Entry:
    skill: Skill
    versions: list[SkillVersion] = field(default_factory=list)
    runs: deque[RunRecord] = field(default_factory=lambda: deque(maxlen=RUN_LOG))
    embeddings: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class _Tenant:
    lock: threading.RLock = field(default_factory=threading.RLock)
    entries: dict[str, _Entry] = field(default_factory=dict)
    index: InvertedIndex = field(default_factory=InvertedIndex)


class MemoryStore:
    """The shared state behind every tenant view of one memory store."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tenants: dict[str, _Tenant] = {}

    def tenant(self, tenant: str) -> _Tenant:
        with self._lock:
            return self._tenants.setdefault(tenant, _Tenant())


_NAMED: dict[str, MemoryStore] = {}
_NAMED_LOCK = threading.Lock()


def named_store(name: str) -> MemoryStore:
    """``memory://name`` URLs share one store per process; ``memory://`` is always new."""
    if not name:
        return MemoryStore()
    with _NAMED_LOCK:
        return _NAMED.setdefault(name, MemoryStore())


class MemorySkillStorage(DocumentStorage):
    """In-process storage. ``MemorySkillStorage(tenant="acme")``."""

    def __init__(self, tenant: str = "default", *, store: MemoryStore | None = None) -> None:
        super().__init__(tenant)
        self.store = store if store is not None else MemoryStore()
        self._t = self.store.tenant(self.tenant)

    def __repr__(self) -> str:
        return f"MemorySkillStorage(tenant={self.tenant!r})"

    def for_tenant(self, tenant: str) -> MemorySkillStorage:
        return MemorySkillStorage(tenant, store=self.store)

    def _locked(self, name: str) -> threading.RLock:
        return self._t.lock

    def _read(self, name: str) -> Skill | None:
        with self._t.lock:
            entry = self._t.entries.get(name)
            return entry.skill.model_copy(deep=True) if entry is not None else None

    def _write(self, skill: Skill, version: SkillVersion | None) -> None:
        with self._t.lock:
            entry = self._t.entries.get(skill.name)
            stored = skill.model_copy(deep=True)
            if entry is None:
                entry = self._t.entries[skill.name] = _Entry(stored)
            entry.skill = stored
            if version is not None:
                entry.versions = [v for v in entry.versions if v.version < version.version]
                entry.versions.append(version.model_copy(deep=True))
                self._t.index.put(skill.name, stored)

    def _read_versions(self, name: str) -> list[SkillVersion]:
        with self._t.lock:
            entry = self._t.entries.get(name)
            return [v.model_copy(deep=True) for v in entry.versions] if entry else []

    def _append_run(self, name: str, run: RunRecord) -> None:
        with self._t.lock:
            self._t.entries[name].runs.append(run.model_copy())

    def _read_runs(self, name: str) -> list[RunRecord]:
        with self._t.lock:
            entry = self._t.entries.get(name)
            return [r.model_copy() for r in entry.runs] if entry else []

    def _remove(self, name: str) -> bool:
        with self._t.lock:
            self._t.index.remove(name)
            return self._t.entries.pop(name, None) is not None

    def _write_embedding(self, name: str, model: str, record: dict[str, Any]) -> None:
        with self._t.lock:
            self._t.entries[name].embeddings[model] = dict(record)

    def _read_embeddings(self, model: str) -> dict[str, dict[str, Any]]:
        with self._t.lock:
            return {
                name: dict(entry.embeddings[model])
                for name, entry in self._t.entries.items()
                if model in entry.embeddings
            }

    def _names(self) -> list[str]:
        with self._t.lock:
            return list(self._t.entries)

    def _ranked(self, terms: list[str], limit: int | None) -> list[tuple[str, float]]:
        with self._t.lock:  # writers change the index in place
            return self._t.index.search(terms, limit)
