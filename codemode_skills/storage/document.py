"""Shared logic of the backends that keep whole skill documents in the host process.

``MemorySkillStorage`` and ``FileSkillStorage`` differ only in where a document lives
and how it is locked; every rule (versions, rollback, state changes, run counting,
search, filters) is written once here on top of a handful of primitives.
"""

from __future__ import annotations

import base64
import contextlib
from collections.abc import Iterable, Iterator
from typing import Any

from ..errors import SkillConflict, SkillExists, SkillNotFound
from ..records import (
    Evidence,
    RunRecord,
    SearchHit,
    Skill,
    SkillChanges,
    SkillOrigin,
    SkillSpec,
    SkillStatus,
    SkillVersion,
    TrustEvidence,
    TrustLevel,
    apply_evidence,
    apply_run,
    create_skill,
    next_version,
    utcnow,
    validate_skill_name,
)
from ..security.context import validate_tenant
from .base import SEARCHABLE, SkillFilter, ranked_search, rollback_by_update


class DocumentStorage:
    """Base class: implement the ``_`` primitives, get the whole ``SkillStorage``."""

    def __init__(self, tenant: str) -> None:
        self.tenant = validate_tenant(tenant)

    # -- primitives ------------------------------------------------------------------------
    def _locked(self, name: str) -> contextlib.AbstractContextManager[Any]:
        """Exclusive access to one skill (across threads, and processes where shared)."""
        raise NotImplementedError

    def _read(self, name: str) -> Skill | None:
        raise NotImplementedError

    def _write(self, skill: Skill, version: SkillVersion | None) -> None:
        """Persist ``skill``; ``version`` is a new content version to keep (and index)."""
        raise NotImplementedError

    def _read_versions(self, name: str) -> list[SkillVersion]:
        raise NotImplementedError

    def _append_run(self, name: str, run: RunRecord) -> None:
        raise NotImplementedError

    def _read_runs(self, name: str) -> list[RunRecord]:
        """Every logged run, oldest first."""
        raise NotImplementedError

    def _remove(self, name: str) -> bool:
        raise NotImplementedError

    def _write_embedding(self, name: str, model: str, record: dict[str, Any]) -> None:
        raise NotImplementedError

    def _read_embeddings(self, model: str) -> dict[str, dict[str, Any]]:
        raise NotImplementedError

    def _names(self) -> list[str]:
        raise NotImplementedError

    def _ranked(self, query: str, limit: int | None) -> list[tuple[str, float]]:
        """The top ``limit`` (None: all) skills matching ``query`` as (name, score)."""
        raise NotImplementedError

    # -- SkillStorage ------------------------------------------------------------------------
    def _must(self, name: str) -> Skill:
        skill = self._read(name)
        if skill is None:
            raise SkillNotFound(f"no skill named {name!r}")
        return skill

    def create(
        self,
        spec: SkillSpec,
        *,
        author: str | None = None,
        trust: TrustLevel = TrustLevel.UNTRUSTED,
        origin: SkillOrigin | None = None,
    ) -> Skill:
        validate_skill_name(spec.name)
        with self._locked(spec.name):
            if self._read(spec.name) is not None:
                raise SkillExists(f"a skill named {spec.name!r} already exists")
            skill = create_skill(
                spec, tenant=self.tenant, author=author, trust=trust, origin=origin
            )
            self._write(skill, skill.snapshot())
        return skill

    def get(self, name: str) -> Skill:
        return self._must(validate_skill_name(name))

    def _load_many(self, names: Iterable[str]) -> dict[str, Skill]:
        found = {}
        for name in names:
            skill = self._read(name)
            if skill is not None:
                found[name] = skill
        return found

    def list(
        self,
        *,
        status: SkillStatus | Iterable[SkillStatus] | None = None,
        trust: TrustLevel | Iterable[TrustLevel] | None = None,
        tag: str | None = None,
        limit: int | None = None,
    ) -> list[Skill]:
        keep = SkillFilter.of(status, trust, tag)
        out = []
        for name in sorted(self._names()):
            skill = self._read(name)
            if skill is not None and keep(skill):
                out.append(skill)
                if limit is not None and len(out) >= limit:
                    break
        return out

    def search(
        self,
        query: str,
        *,
        limit: int = 10,
        status: SkillStatus | Iterable[SkillStatus] | None = SEARCHABLE,
        trust: TrustLevel | Iterable[TrustLevel] | None = None,
        tag: str | None = None,
    ) -> list[SearchHit]:
        keep = SkillFilter.of(status, trust, tag)
        return ranked_search(lambda n: self._ranked(query, n), self._load_many, keep, limit)

    def update(
        self,
        name: str,
        changes: SkillChanges,
        *,
        author: str | None = None,
        note: str | None = None,
        trust: TrustLevel = TrustLevel.UNTRUSTED,
        expected_version: int | None = None,
        origin: SkillOrigin | None = None,
        review_edits: bool = False,
    ) -> Skill:
        validate_skill_name(name)
        with self._locked(name):
            current = self._must(name)
            if expected_version is not None and current.version != expected_version:
                raise SkillConflict(
                    f"{name!r} is at version {current.version}, not {expected_version}"
                )
            skill = next_version(
                current,
                changes.content(),
                author=author,
                trust=trust,
                origin=origin,
                review_edits=review_edits,
            )
            self._write(skill, skill.snapshot(note))
        return skill

    def rollback(
        self,
        name: str,
        version: int,
        *,
        author: str | None = None,
        trust: TrustLevel = TrustLevel.UNTRUSTED,
        origin: SkillOrigin | None = None,
        review_edits: bool = False,
    ) -> Skill:
        return rollback_by_update(self, name, version, author, trust, origin, review_edits)

    def versions(self, name: str) -> list[SkillVersion]:
        current = self._must(validate_skill_name(name))
        found = [v for v in self._read_versions(name) if v.version <= current.version]
        return sorted(found, key=lambda v: v.version)

    def get_version(self, name: str, version: int) -> SkillVersion:
        for v in self.versions(name):
            if v.version == version:
                return v
        raise SkillNotFound(f"skill {name!r} has no version {version}")

    def set_state(
        self,
        name: str,
        *,
        status: SkillStatus | None = None,
        trust: TrustLevel | None = None,
        expect_status: SkillStatus | None = None,
        expect_trust: TrustLevel | None = None,
        expect_version: int | None = None,
        clear_evidence: bool = False,
    ) -> Skill | None:
        validate_skill_name(name)
        with self._locked(name):
            skill = self._must(name)
            if (
                (expect_status is not None and skill.status != expect_status)
                or (expect_trust is not None and skill.trust != expect_trust)
                or (expect_version is not None and skill.version != expect_version)
            ):
                return None
            changed = skill.model_copy(
                update={
                    "status": SkillStatus(status) if status is not None else skill.status,
                    "trust": TrustLevel(trust) if trust is not None else skill.trust,
                    "updated_at": utcnow(),
                }
            )
            if clear_evidence:
                stats = changed.stats.model_copy(update={"evidence": TrustEvidence()})
                changed = changed.model_copy(update={"stats": stats})
            self._write(changed, None)
        return changed

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

    def close(self) -> None:
        return None

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def iter_lines(data: bytes) -> Iterator[bytes]:
    for line in data.splitlines():
        if line.strip():
            yield line
