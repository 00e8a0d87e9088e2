"""The storage contract: every backend (memory, file, SQLite, PostgreSQL, MongoDB) must
pass every test here and in ``test_storage_versions.py`` / ``test_storage_evidence.py``.
This file: creating, reading, listing, searching, deleting, tenants, names, embeddings.
Concurrency and crash tests live in test_storage_concurrency.py."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from codemode_skills.errors import InvalidSkillName, SkillExists, SkillNotFound
from codemode_skills.skills import RunRecord, SkillChanges, SkillSpec, SkillStatus
from codemode_skills.storage import SkillStorage
from codemode_skills.trust import TrustLevel
from tests.storage_cases import spec, unchecked_spec


def test_implements_the_protocol(storage: Any) -> None:
    assert isinstance(storage, SkillStorage)


def test_create_and_get_round_trip(storage: Any) -> None:
    created = storage.create(spec(), author="alice")
    got = storage.get("add_numbers")
    assert got == created
    assert got.tenant == storage.tenant and got.version == 1 and got.author == "alice"
    assert got.tags == ["math"]  # normalized
    assert got.status is SkillStatus.ACTIVE and got.trust is TrustLevel.UNTRUSTED
    assert got.input_schema["required"] == ["a", "b"]
    assert got.created_at.tzinfo is not None
    assert storage.count() == 1


def test_create_twice_is_refused_and_keeps_the_first(storage: Any) -> None:
    storage.create(spec())
    with pytest.raises(SkillExists):
        storage.create(spec(code="return 0"))
    assert storage.get("add_numbers").code == "return input['a'] + input['b']"
    assert len(storage.versions("add_numbers")) == 1


def test_get_missing_raises(storage: Any) -> None:
    with pytest.raises(SkillNotFound):
        storage.get("nope")
    assert storage.delete("nope") is False


def test_returned_objects_are_copies(storage: Any) -> None:
    skill = storage.create(spec())
    skill.tags.append("mutated")
    skill.stats.executions = 99
    fetched = storage.get("add_numbers")
    fetched.input_schema["properties"]["c"] = {}
    again = storage.get("add_numbers")
    assert again.tags == ["math"] and again.stats.executions == 0
    assert "c" not in again.input_schema["properties"]


def test_list_filters(storage: Any) -> None:
    storage.create(spec("alpha", tags=["x"]))
    storage.create(spec("beta", tags=["y"]))
    storage.create(spec("gamma", tags=["x", "y"]))
    storage.set_state("beta", trust=TrustLevel.TRUSTED)
    storage.set_state("gamma", status=SkillStatus.DEPRECATED)
    assert [s.name for s in storage.list()] == ["alpha", "beta", "gamma"]
    assert [s.name for s in storage.list(tag="x")] == ["alpha", "gamma"]
    assert [s.name for s in storage.list(tag="X", status="active")] == ["alpha"]
    assert [s.name for s in storage.list(trust=TrustLevel.TRUSTED)] == ["beta"]
    assert [s.name for s in storage.list(status=[SkillStatus.DEPRECATED])] == ["gamma"]
    assert [s.name for s in storage.list(limit=2)] == ["alpha", "beta"]


SEARCH_CORPUS = [
    ("weekly_sales_report", "Build the weekly sales report per region", ["sales", "report"]),
    ("sales_tax", "Compute sales tax for an order", ["finance"]),
    ("salesforce_sync", "Copy accounts into the CRM", ["crm"]),
    ("send_invoice", "Email an invoice; attach the monthly report", ["billing"]),
    ("resize_image", "Resize an image to a thumbnail", ["media"]),
]


def _fill(storage: Any) -> None:
    for name, description, tags in SEARCH_CORPUS:
        storage.create(spec(name, description=description, tags=tags))


def test_search_is_ranked_not_substring(storage: Any) -> None:
    _fill(storage)
    hits = storage.search("sales report")
    names = [h.skill.name for h in hits]
    assert names[0] == "weekly_sales_report"  # both words, in the name
    assert set(names) == {"weekly_sales_report", "sales_tax", "send_invoice"}
    assert "salesforce_sync" not in names  # a substring is not a word
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True) and scores[-1] > 0
    assert storage.search("thumbnails")[0].skill.name == "resize_image"  # plural stem
    assert storage.search("kubernetes") == []
    assert storage.search("   ") == []
    assert len(storage.search("sales report", limit=1)) == 1


def test_search_filters_and_hides_retired_skills(storage: Any) -> None:
    _fill(storage)
    storage.set_state("sales_tax", status=SkillStatus.DEPRECATED)
    storage.set_state("send_invoice", trust=TrustLevel.TRUSTED)
    assert "sales_tax" not in [h.skill.name for h in storage.search("sales")]
    everything = {h.skill.name for h in storage.search("sales", status=None)}
    assert everything == {"sales_tax", "weekly_sales_report"}
    assert [h.skill.name for h in storage.search("report", trust="trusted")] == ["send_invoice"]
    assert [h.skill.name for h in storage.search("report", tag="sales")] == ["weekly_sales_report"]


def test_search_follows_updates_and_deletes(storage: Any) -> None:
    _fill(storage)
    storage.update("resize_image", SkillChanges(description="Crop a photo for the sales deck"))
    assert "resize_image" in [h.skill.name for h in storage.search("sales deck")]
    assert storage.search("thumbnail") == []
    assert storage.delete("weekly_sales_report") is True
    assert "weekly_sales_report" not in [h.skill.name for h in storage.search("sales report")]


def test_search_ranks_the_same_on_every_backend(storage: Any) -> None:
    from codemode_skills.storage import MemorySkillStorage

    reference = MemorySkillStorage("reference")
    for target in (storage, reference):
        _fill(target)
    for query in ("sales report", "invoice email", "image", "weekly sales tax"):
        ours = [(h.skill.name, round(h.score, 4)) for h in storage.search(query, status=None)]
        theirs = [(h.skill.name, round(h.score, 4)) for h in reference.search(query, status=None)]
        assert ours == theirs, query


def test_delete_removes_everything(storage: Any) -> None:
    storage.create(spec())
    storage.record_execution("add_numbers", RunRecord(success=True))
    assert storage.delete("add_numbers") is True
    with pytest.raises(SkillNotFound):
        storage.get("add_numbers")
    assert storage.count() == 0 and storage.list() == []
    recreated = storage.create(spec(code="return 0"))  # the name is free again, history too
    assert recreated.version == 1 and len(storage.versions("add_numbers")) == 1
    assert storage.get("add_numbers").stats.executions == 0


def test_tenants_cannot_see_or_touch_each_other(storage: Any) -> None:
    other = storage.for_tenant(storage.tenant + "x")
    storage.create(spec(description="mine"))
    other.create(spec(description="theirs", code="return 'theirs'"))
    storage.create(spec("private_thing", description="secret sales numbers"))
    assert other.get("add_numbers").description == "theirs"
    assert storage.get("add_numbers").description == "mine"
    with pytest.raises(SkillNotFound):
        other.get("private_thing")
    assert [s.name for s in other.list()] == ["add_numbers"]
    assert other.search("secret sales") == []
    assert other.count() == 1
    for attempt in (
        lambda: other.update("private_thing", SkillChanges(code="return 1")),
        lambda: other.record_execution("private_thing", RunRecord(success=False)),
        lambda: other.set_state("private_thing", trust=TrustLevel.TRUSTED),
        lambda: other.versions("private_thing"),
        lambda: other.runs("private_thing"),
        lambda: other.rollback("private_thing", 1),
    ):
        with pytest.raises(SkillNotFound):
            attempt()
    assert other.delete("private_thing") is False
    mine = storage.get("private_thing")
    assert mine.version == 1 and mine.stats.executions == 0 and mine.trust is TrustLevel.UNTRUSTED


BAD_NAMES = ["../etc", "..", "a/b", "/abs", "Upper", "", "x" * 65, "1abc", "na\x00me", "a.b"]


@pytest.mark.parametrize("bad", BAD_NAMES)
def test_bad_names_are_refused_everywhere(storage: Any, bad: str) -> None:
    with pytest.raises(ValidationError):
        SkillSpec(name=bad, description="d", code="return 1")
    raw = unchecked_spec(bad)
    for attempt in (
        lambda: storage.create(raw),
        lambda: storage.get(bad),
        lambda: storage.update(bad, SkillChanges(code="return 2")),
        lambda: storage.record_execution(bad, RunRecord(success=True)),
        lambda: storage.set_state(bad, trust=TrustLevel.TRUSTED),
        lambda: storage.versions(bad),
        lambda: storage.get_version(bad, 1),
        lambda: storage.runs(bad),
        lambda: storage.delete(bad),
    ):
        with pytest.raises(InvalidSkillName):
            attempt()
    assert storage.count() == 0


def test_bad_tenant_ids_are_refused(storage: Any) -> None:
    for bad in ("../other", "..", "a/b", ""):
        with pytest.raises(InvalidSkillName):
            storage.for_tenant(bad)


def test_embeddings_are_stored_per_model_and_deleted_with_the_skill(storage: Any) -> None:
    import numpy as np

    storage.create(spec())
    storage.create(spec("other"))
    vector = np.arange(4, dtype=np.float32).tobytes()
    storage.put_embedding("add_numbers", "mini", "h1", vector)
    storage.put_embedding("add_numbers", "big", "h9", b"\x00" * 8)
    storage.put_embedding("add_numbers", "mini", "h2", vector[::-1])  # replaces
    assert storage.embeddings("mini") == {"add_numbers": ("h2", vector[::-1])}
    assert storage.embeddings("big") == {"add_numbers": ("h9", b"\x00" * 8)}
    assert storage.embeddings("none") == {}
    assert storage.for_tenant(storage.tenant + "x").embeddings("mini") == {}
    with pytest.raises(SkillNotFound):
        storage.put_embedding("ghost", "mini", "h", vector)
    storage.delete("add_numbers")
    storage.create(spec())
    assert storage.embeddings("mini") == {}


def test_a_backend_missing_a_hook_fails_when_built_not_when_called() -> None:
    """The base classes' hooks are abstract: a backend that forgets one is refused at
    construction, naming it, rather than failing on the first call that needs it."""
    from codemode_skills.security.audit import ScannedAuditLog
    from codemode_skills.storage.document import DocumentStorage

    class Forgetful(DocumentStorage):
        pass

    with pytest.raises(TypeError, match="abstract method"):
        Forgetful("acme")

    class Sink(ScannedAuditLog):
        pass

    with pytest.raises(TypeError, match="_oldest_first"):
        Sink()
