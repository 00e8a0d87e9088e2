"""``MongoSkillStorage``: skills in MongoDB through pymongo.

One document per skill with a unique index on (tenant, name). Run counters change with
one atomic ``find_one_and_update`` (``$inc`` and a ``$push``/``$slice`` for the recent
window), trust evidence with one atomic pipeline update (the rules of
``apply_evidence``, run by the server), so no update is lost however many writers there
are. Content edits are
compare-and-set on (version, updated_at) with a retry, which needs no multi-document
transaction (standalone servers have none). The search index lives in the document
(``terms`` with a multikey index, ``tf`` with the weighted frequencies).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from ..errors import SkillConflict, StorageError
from ..records import (
    RECENT_WINDOW,
    Evidence,
    RunRecord,
    Skill,
    SkillVersion,
    TrustEvidence,
    utcnow,
    validate_skill_name,
)
from .arguments import SkillFilter, StateChange
from .base import Ranking, StorageBase, not_found
from .mongo_evidence import evidence_update
from .mongo_index import MongoTermIndex
from .text import document_terms

try:
    import pymongo
    from pymongo import ReturnDocument
    from pymongo.errors import DuplicateKeyError, PyMongoError
except ImportError as exc:  # pragma: no cover - depends on installed extras
    hint = "MongoSkillStorage needs pymongo: pip install 'codemode-skills[mongo]'"
    raise ImportError(hint) from exc

_CLIENTS: dict[str, Any] = {}
_LOCK = threading.Lock()
_CAS_RETRIES = 20
#: Fields that exist for the backend only (ids, index bookkeeping, the version's note).
_INTERNAL = frozenset({"_id", "terms", "doc_length", "note"})
#: Projection that leaves the index bookkeeping out of documents read as skills.
_INTERNAL_OUT = {"terms": 0, "doc_length": 0}


def _database(url: str) -> Any:
    """One client per URL; indexes created on first use."""
    with _LOCK:
        db = _CLIENTS.get(url)
        if db is not None:
            return db
        try:
            client: Any = pymongo.MongoClient(url, tz_aware=True, serverSelectionTimeoutMS=10_000)
            db = client.get_default_database(default="codemode_skills")
            skills = db["skills"]
            skills.create_index([("tenant", 1), ("name", 1)], unique=True)
            skills.create_index([("tenant", 1), ("tags", 1)])
            db["skill_versions"].create_index([("skill_id", 1), ("version", 1)], unique=True)
            db["skill_runs"].create_index([("skill_id", 1), ("at", -1)])
            db["skill_embeddings"].create_index([("tenant", 1), ("model", 1)])
        except PyMongoError as exc:
            raise StorageError(f"cannot open MongoDB storage: {exc}") from exc
        _CLIENTS[url] = db
        return db


def _to_skill(doc: dict[str, Any]) -> Skill:
    doc = {k: v for k, v in doc.items() if k not in _INTERNAL}
    doc["id"] = doc.pop("skill_id")
    return Skill.model_validate(doc)


def _document(skill: Skill, note: str | None = None) -> dict[str, Any]:
    doc = skill.model_dump(mode="python", exclude={"id"})
    doc.update(
        _id=skill.id,
        skill_id=skill.id,
        status=skill.status.value,
        trust=skill.trust.value,
        note=note,
    )
    tf = document_terms(skill)
    doc.update(terms=sorted(tf), doc_length=sum(tf.values()))
    return doc


def _post(index: MongoTermIndex, skill: Skill) -> dict[str, int]:
    tf = dict(document_terms(skill))
    index.post(skill.id, tf, sum(tf.values()))
    return tf


class MongoSkillStorage(StorageBase):
    """MongoDB storage. ``MongoSkillStorage("mongodb://localhost/app", tenant="acme")``."""

    def __init__(self, url: str = "mongodb://localhost:27017", tenant: str = "default") -> None:
        super().__init__(tenant)
        self.url = url
        self.db = _database(url)
        self._skills = self.db["skills"]
        self._versions = self.db["skill_versions"]
        self._runs = self.db["skill_runs"]
        self._index = MongoTermIndex(self.db["skill_terms"], self.tenant)
        self._embeddings = self.db["skill_embeddings"]

    def __repr__(self) -> str:
        return f"MongoSkillStorage(tenant={self.tenant!r})"

    def for_tenant(self, tenant: str) -> MongoSkillStorage:
        return MongoSkillStorage(self.url, tenant)

    def _key(self, name: str) -> dict[str, Any]:
        return {"tenant": self.tenant, "name": validate_skill_name(name)}

    def _doc(self, name: str) -> dict[str, Any]:
        doc = self._skills.find_one(self._key(name))
        if doc is None:
            raise not_found(name)
        return doc

    def _save_version(self, doc: dict[str, Any]) -> SkillVersion:
        """Copy the content of a *stored* skill document into the history.

        Only committed documents are copied, so a history entry can never hold the
        content of an edit that lost its compare-and-set. A writer that dies between
        its edit and this copy leaves the entry to the next reader or writer."""
        v = _to_skill(doc).snapshot(doc.get("note"))
        try:
            entry = {"_id": f"{doc['_id']}:{v.version}", "skill_id": doc["_id"]}
            self._versions.insert_one({**entry, **v.model_dump(mode="python")})
        except DuplicateKeyError:
            pass  # already copied
        return v

    # -- StorageBase hooks ---------------------------------------------------------------
    def _insert(self, skill: Skill) -> bool:
        doc = _document(skill)
        tf = _post(self._index, skill)  # first: a crash leaves a posting, not a lost skill
        try:
            self._skills.insert_one(doc)
        except DuplicateKeyError:
            self._index.withdraw(skill.id, tf)
            return False
        self._index.count(skill.id, 1, doc["doc_length"])
        self._save_version(doc)
        return True

    def _query(self, keep: SkillFilter) -> dict[str, Any]:
        query: dict[str, Any] = {"tenant": self.tenant}
        if keep.status is not None:
            query["status"] = {"$in": [s.value for s in keep.status]}
        if keep.trust is not None:
            query["trust"] = {"$in": [t.value for t in keep.trust]}
        if keep.tag is not None:
            query["tags"] = keep.tag
        return query

    def _list(self, keep: SkillFilter, limit: int | None) -> list[Skill]:
        cursor = self._skills.find(self._query(keep), _INTERNAL_OUT).sort("name", 1)
        if limit is not None:
            cursor = cursor.limit(limit)
        return [_to_skill(d) for d in cursor]

    def _load(self, keys: list[str]) -> dict[str, Skill]:
        docs = self._skills.find({"_id": {"$in": keys}, "tenant": self.tenant}, _INTERNAL_OUT)
        return {d["skill_id"]: _to_skill(d) for d in docs}

    def _ranking(self, terms: list[str]) -> Ranking:
        return lambda limit: self._index.rank(terms, limit)

    def _compare_and_set(self, doc: dict[str, Any], new: dict[str, Any]) -> bool:
        match = {  # any change since ``doc`` was read (a run counted too) fails the swap
            "_id": doc["_id"],
            "version": doc["version"],
            "updated_at": doc["updated_at"],
            "stats.executions": doc["stats"]["executions"],
            "stats.evidence.runs": doc["stats"].get("evidence", {}).get("runs"),
        }
        return self._skills.replace_one(match, new).matched_count == 1

    def _update(self, name: str, edit: Callable[[Skill], Skill], note: str | None) -> Skill:
        posted: set[str] = set()
        for _ in range(_CAS_RETRIES):
            doc = self._doc(name)
            self._save_version(doc)  # in case its writer died before copying it
            skill = edit(_to_skill(doc))
            new = _document(skill, note)
            posted |= set(_post(self._index, skill))
            if self._compare_and_set(doc, new):
                self._index.withdraw(skill.id, (posted | set(doc["terms"])) - set(new["terms"]))
                self._index.count(skill.id, 0, new["doc_length"] - doc["doc_length"])
                self._save_version(new)
                return skill
        raise SkillConflict(f"{name!r} kept changing while being updated; try again")

    def _set_state(self, name: str, change: StateChange) -> Skill | None:
        changes: dict[str, Any] = {"updated_at": utcnow(), **change.sets()}
        if change.clear_evidence:
            changes["stats.evidence"] = TrustEvidence().model_dump()
        doc = self._skills.find_one_and_update(
            {**self._key(name), **change.expects()},
            {"$set": changes},
            projection=_INTERNAL_OUT,
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:
            self._doc(name)  # raises SkillNotFound if that is why
            return None
        return _to_skill(doc)

    # -- SkillStorage --------------------------------------------------------------------
    def get(self, name: str) -> Skill:
        return _to_skill(self._doc(name))

    def versions(self, name: str) -> list[SkillVersion]:
        doc = self._doc(name)
        found = self._versions.find(
            {"skill_id": doc["_id"], "version": {"$lte": doc["version"]}}, {"_id": 0, "skill_id": 0}
        ).sort("version", 1)
        history = [SkillVersion.model_validate(v) for v in found]
        if not history or history[-1].version != doc["version"]:
            history.append(self._save_version(doc))
        return history

    def record_execution(self, name: str, run: RunRecord) -> Skill:
        match = self._key(name)
        if run.version is not None:
            match["version"] = run.version
        changes: dict[str, Any] = {"stats.last_used_at": run.at}
        if not run.success:
            changes["stats.last_error"] = run.error or "failed"
        doc = self._skills.find_one_and_update(
            match,
            {
                "$inc": {
                    "stats.executions": 1,
                    "stats.successes": 1 if run.success else 0,
                    "stats.failures": 0 if run.success else 1,
                    "stats.total_duration_ms": run.duration_ms,
                },
                "$push": {"stats.recent": {"$each": [run.success], "$slice": -RECENT_WINDOW}},
                "$set": changes,
            },
            projection=_INTERNAL_OUT,
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:  # missing, or a run of a version that is no longer current
            doc = self._doc(name)
        self._runs.insert_one(
            {
                "skill_id": doc["skill_id"],
                "tenant": self.tenant,
                **run.model_dump(mode="python"),
                "version": run.version or doc["version"],
            }
        )
        return _to_skill(doc)

    def record_evidence(self, name: str, evidence: Evidence) -> Skill:
        match = {**self._key(name), "version": evidence.version}
        doc = self._skills.find_one_and_update(
            match,
            evidence_update(evidence),
            projection=_INTERNAL_OUT,
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:  # missing, or a verdict on code that is no longer current
            doc = self._doc(name)
        return _to_skill(doc)

    def runs(self, name: str, limit: int = 50) -> list[RunRecord]:
        doc = self._doc(name)
        if limit <= 0:
            return []
        found = self._runs.find({"skill_id": doc["_id"]}, {"_id": 0, "skill_id": 0, "tenant": 0})
        found = found.sort([("at", -1), ("_id", -1)]).limit(limit)
        return [RunRecord.model_validate(r) for r in found]

    def delete(self, name: str) -> bool:
        doc = self._skills.find_one_and_delete(
            self._key(name), {"_id": 1, "terms": 1, "doc_length": 1}
        )
        if doc is None:
            return False
        self._index.withdraw(doc["_id"], doc["terms"])
        self._index.count(doc["_id"], -1, -doc["doc_length"])
        for collection in (self._versions, self._runs, self._embeddings):
            collection.delete_many({"skill_id": doc["_id"]})
        return True

    def put_embedding(self, name: str, model: str, content_hash: str, vector: bytes) -> None:
        doc = self._doc(name)
        self._embeddings.replace_one(
            {"_id": f"{doc['_id']}/{model}"},
            {
                "skill_id": doc["_id"],
                "tenant": self.tenant,
                "name": doc["name"],
                "model": model,
                "hash": content_hash,
                "vector": vector,
            },
            upsert=True,
        )

    def embeddings(self, model: str) -> dict[str, tuple[str, bytes]]:
        found = self._embeddings.find({"tenant": self.tenant, "model": model})
        return {d["name"]: (d["hash"], bytes(d["vector"])) for d in found}

    def count(self) -> int:
        return self._skills.count_documents({"tenant": self.tenant})
