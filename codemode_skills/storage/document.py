"""Shared logic of the backends that keep whole skill documents in the host process.

``MemorySkillStorage`` and ``FileSkillStorage`` differ only in where a document lives
and how it is locked. On top of ``StorageBase`` (the rules every backend shares), every
rule that reads and rewrites a whole document under a lock (versions, state changes, run
and evidence counting, listing, search) is written once here over a handful of
primitives.
"""

from __future__ import annotations

import base64
import contextlib
from abc import abstractmethod
from collections.abc import Callable
from typing import Any

from ..records import (
    Evidence,
    RunRecord,
    Skill,
    SkillVersion,
    TrustEvidence,
    apply_evidence,
    apply_run,
    utcnow,
    validate_skill_name,
)
from .arguments import SkillFilter, StateChange
from .base import Ranking, StorageBase, not_found


class DocumentStorage(StorageBase):
    """Base class: implement the ``_`` primitives, get the whole ``SkillStorage``."""

    # -- primitives ------------------------------------------------------------------------
    @abstractmethod
    def _locked(self, name: str) -> contextlib.AbstractContextManager[Any]:
        """Exclusive access to one skill (across threads, and processes where shared)."""

    @abstractmethod
    def _read(self, name: str) -> Skill | None:
        """The current skill stored under ``name`` (None: none)."""

    @abstractmethod
    def _write(self, skill: Skill, version: SkillVersion | None) -> None:
        """Persist ``skill``; ``version`` is a new content version to keep (and index)."""

    @abstractmethod
    def _read_versions(self, name: str) -> list[SkillVersion]:
        """Every kept version of ``name``, oldest first."""

    @abstractmethod
    def _append_run(self, name: str, run: RunRecord) -> None:
        """Log one run of ``name``."""

    @abstractmethod
    def _read_runs(self, name: str) -> list[RunRecord]:
        """Every logged run, oldest first."""

    @abstractmethod
    def _remove(self, name: str) -> bool:
        """Delete ``name`` with its versions, runs and vectors; False if there was none."""

    @abstractmethod
    def _write_embedding(self, name: str, model: str, record: dict[str, Any]) -> None:
        """Keep ``name``'s vector record for ``model``."""

    @abstractmethod
    def _read_embeddings(self, model: str) -> dict[str, dict[str, Any]]:
        """Every stored vector record for ``model``, by skill name."""

    @abstractmethod
    def _names(self) -> list[str]:
        """The names of this tenant's skills."""

    @abstractmethod
    def _ranked(self, terms: list[str], limit: int | None) -> list[tuple[str, float]]:
        """The top ``limit`` (None: all) skills matching ``terms`` as (name, score)."""

    # -- StorageBase hooks -----------------------------------------------------------------
    def _must(self, name: str) -> Skill:
        skill = self._read(name)
        if skill is None:
            raise not_found(name)
        return skill

    def _insert(self, skill: Skill) -> bool:
        with self._locked(skill.name):
            if self._read(skill.name) is not None:
                return False
            self._write(skill, skill.snapshot())
        return True

    def _ranking(self, terms: list[str]) -> Ranking:
        return lambda limit: self._ranked(terms, limit)

    def _load(self, keys: list[str]) -> dict[str, Skill]:
        found = {}
        for name in keys:
            skill = self._read(name)
            if skill is not None:
                found[name] = skill
        return found

    def _list(self, keep: SkillFilter, limit: int | None) -> list[Skill]:
        out = []
        for name in sorted(self._names()):
            skill = self._read(name)
            if skill is not None and keep(skill):
                out.append(skill)
                if limit is not None and len(out) >= limit:
                    break
        return out

    def _update(self, name: str, edit: Callable[[Skill], Skill], note: str | None) -> Skill:
        with self._locked(name):
            skill = edit(self._must(name))
            self._write(skill, skill.snapshot(note))
        return skill

    def _set_state(self, name: str, change: StateChange) -> Skill | None:
        with self._locked(name):
            skill = self._must(name)
            if any(getattr(skill, k) != v for k, v in change.expects().items()):
                return None
            changed = skill.model_copy(
                update={
                    "status": change.status if change.status is not None else skill.status,
                    "trust": change.trust if change.trust is not None else skill.trust,
                    "updated_at": utcnow(),
                }
            )
            if change.clear_evidence:
                stats = changed.stats.model_copy(update={"evidence": TrustEvidence()})
                changed = changed.model_copy(update={"stats": stats})
            self._write(changed, None)
        return changed

    # -- SkillStorage ------------------------------------------------------------------------
    def get(self, name: str) -> Skill:
        return self._must(validate_skill_name(name))

    def versions(self, name: str) -> list[SkillVersion]:
        current = self._must(validate_skill_name(name))
        found = [v for v in self._read_versions(name) if v.version <= current.version]
        return sorted(found, key=lambda v: v.version)

    def record_execution(self, name: str, run: RunRecord) -> Skill:
        validate_skill_name(name)
        with self._locked(name):
            skill = self._must(name)
            if run.version is None:
                run = run.model_copy(update={"version": skill.version})
            self._append_run(name, run)
            if run.version != skill.version:  # a run of code that is no longer current
                return skill
            skill = skill.model_copy(update={"stats": apply_run(skill.stats, run)})
            self._write(skill, None)
        return skill

    def record_evidence(self, name: str, evidence: Evidence) -> Skill:
        validate_skill_name(name)
        with self._locked(name):
            skill = self._must(name)
            if evidence.version != skill.version:  # a verdict on code no longer current
                return skill
            counted = apply_evidence(skill.stats.evidence, evidence)
            stats = skill.stats.model_copy(update={"evidence": counted})
            skill = skill.model_copy(update={"stats": stats})
            self._write(skill, None)
        return skill

    def runs(self, name: str, limit: int = 50) -> list[RunRecord]:
        self._must(validate_skill_name(name))
        return list(reversed(self._read_runs(name)[-limit:])) if limit > 0 else []

    def delete(self, name: str) -> bool:
        validate_skill_name(name)
        with self._locked(name):
            return self._remove(name)

    def count(self) -> int:
        return len(self._names())

    def put_embedding(self, name: str, model: str, content_hash: str, vector: bytes) -> None:
        validate_skill_name(name)
        with self._locked(name):
            self._must(name)
            record = {"hash": content_hash, "vector": base64.b64encode(vector).decode()}
            self._write_embedding(name, model, record)

    def embeddings(self, model: str) -> dict[str, tuple[str, bytes]]:
        return {
            name: (r["hash"], base64.b64decode(r["vector"]))
            for name, r in self._read_embeddings(model).items()
        }
