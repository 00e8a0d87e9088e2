"""The storage contract, part two: versions, rollback, run counting and state changes,
on every backend (see ``test_storage_contract.py``)."""

from __future__ import annotations

from typing import Any

import pytest

from codemode_skills.errors import SkillConflict, SkillNotFound
from codemode_skills.skills import RunRecord, SkillChanges, SkillStatus
from codemode_skills.trust import TrustLevel
from tests.storage_cases import spec


def test_update_makes_versions_and_rollback_restores(storage: Any) -> None:
    storage.create(spec())
    for _ in range(3):
        storage.record_execution("add_numbers", RunRecord(success=True))
    storage.set_state("add_numbers", trust=TrustLevel.PROVISIONAL)
    v2 = storage.update(
        "add_numbers",
        SkillChanges(code="return input['b'] + input['a']"),
        author="bob",
        note="swap",
        trust=TrustLevel.UNTRUSTED,
    )
    assert v2.version == 2 and v2.author == "bob"
    assert v2.stats.executions == 0 and v2.trust is TrustLevel.UNTRUSTED  # fresh stats
    assert v2.description == "Add two numbers and return the sum"  # unchanged fields kept
    v3 = storage.update("add_numbers", SkillChanges(description="Sum two integers"))
    history = storage.versions("add_numbers")
    assert [v.version for v in history] == [1, 2, 3]
    assert history[1].note == "swap" and history[1].code == "return input['b'] + input['a']"
    assert storage.get_version("add_numbers", 1).code == "return input['a'] + input['b']"
    rolled = storage.rollback("add_numbers", 1)
    assert rolled.version == 4 and rolled.code == history[0].code
    assert rolled.description == history[0].description
    assert storage.get("add_numbers") == rolled
    assert storage.get_version("add_numbers", 4).note == "rollback to v1"
    assert v3.version == 3
    with pytest.raises(SkillNotFound):
        storage.get_version("add_numbers", 9)
    with pytest.raises(SkillNotFound):
        storage.rollback("add_numbers", 9)


def test_a_description_edit_keeps_stats_and_trust(storage: Any) -> None:
    storage.create(spec())
    storage.record_execution("add_numbers", RunRecord(success=True))
    storage.set_state("add_numbers", trust=TrustLevel.PROVISIONAL)
    v2 = storage.update("add_numbers", SkillChanges(description="Sum", tags=["x"]))
    assert v2.version == 2 and v2.trust is TrustLevel.PROVISIONAL
    assert v2.stats.executions == 1
    v3 = storage.update("add_numbers", SkillChanges(output_schema={"type": "number"}))
    assert v3.trust is TrustLevel.UNTRUSTED and v3.stats.executions == 0


def test_update_with_expected_version_detects_conflicts(storage: Any) -> None:
    storage.create(spec())
    storage.update("add_numbers", SkillChanges(description="v2"), expected_version=1)
    with pytest.raises(SkillConflict):
        storage.update("add_numbers", SkillChanges(description="stale"), expected_version=1)
    assert storage.get("add_numbers").description == "v2"


def test_record_execution_counts_and_windows(storage: Any) -> None:
    storage.create(spec())
    outcomes = [True] * 18 + [False, True, False, True, True, False, True]
    for i, ok in enumerate(outcomes):
        skill = storage.record_execution(
            "add_numbers",
            RunRecord(success=ok, duration_ms=2.0, error=None if ok else f"boom {i}"),
        )
    stats = skill.stats
    assert (stats.executions, stats.successes, stats.failures) == (25, 22, 3)
    assert stats.recent == outcomes[-20:]
    assert stats.last_error == "boom 23" and stats.last_used_at is not None
    assert stats.total_duration_ms == pytest.approx(50.0)
    assert storage.get("add_numbers").stats == stats
    runs = storage.runs("add_numbers", limit=3)
    assert [r.success for r in runs] == [True, False, True]  # newest first
    assert all(r.version == 1 for r in runs)


def test_runs_of_an_old_version_are_logged_not_counted(storage: Any) -> None:
    storage.create(spec())
    storage.update("add_numbers", SkillChanges(description="v2"))
    skill = storage.record_execution("add_numbers", RunRecord(success=False, version=1))
    assert skill.version == 2 and skill.stats.executions == 0
    assert storage.runs("add_numbers")[0].version == 1


def test_set_state_is_compare_and_set(storage: Any) -> None:
    storage.create(spec())
    assert (
        storage.set_state(
            "add_numbers", trust=TrustLevel.TRUSTED, expect_trust=TrustLevel.PROVISIONAL
        )
        is None
    )
    changed = storage.set_state(
        "add_numbers",
        trust=TrustLevel.PROVISIONAL,
        status=SkillStatus.PENDING_REVIEW,
        expect_trust=TrustLevel.UNTRUSTED,
    )
    assert changed is not None and changed.trust is TrustLevel.PROVISIONAL
    got = storage.get("add_numbers")
    assert got.status is SkillStatus.PENDING_REVIEW and got.version == 1
    with pytest.raises(SkillNotFound):
        storage.set_state("ghost", trust=TrustLevel.TRUSTED)
