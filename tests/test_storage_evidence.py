"""The storage contract, part three: trust evidence (one verdict per independent
execution) and origins, on every backend (see ``test_storage_contract.py``)."""

from __future__ import annotations

from typing import Any

from codemode_skills.records import EVIDENCE_CAP, Evidence, SkillOrigin, TrustEvidence
from codemode_skills.skills import RunRecord, SkillChanges, SkillStatus
from codemode_skills.trust import TrustLevel
from tests.storage_cases import spec, verdict


def test_record_evidence_counts_verdicts_and_distinct_keys(storage: Any) -> None:
    storage.create(spec())
    storage.record_execution("add_numbers", RunRecord(success=True, execution="e1"))
    assert storage.runs("add_numbers")[0].execution == "e1"
    assert storage.get("add_numbers").stats.evidence == TrustEvidence()  # a call is no evidence
    verdicts = [verdict(i, ok=i != 3) for i in range(25)]
    for v in verdicts:
        skill = storage.record_evidence("add_numbers", v)
    evidence = skill.stats.evidence
    assert (evidence.runs, evidence.successes, evidence.failures) == (25, 24, 1)
    assert evidence.recent == [v.success for v in verdicts][-20:]
    assert sorted(evidence.requests) == ["r0", "r1", "r2", "r3"]
    assert sorted(evidence.users) == ["u0", "u1"]
    assert sorted(evidence.days) == ["2030-01-01", "2030-01-02"]
    assert skill.stats.executions == 1  # calls are counted apart
    assert storage.get("add_numbers").stats == skill.stats


def test_evidence_keys_are_capped_and_old_versions_ignored(storage: Any) -> None:
    storage.create(spec())
    for i in range(EVIDENCE_CAP + 5):
        run = Evidence(version=1, success=True, request=f"r{i}", user=f"u{i}", day="2030-01-01")
        skill = storage.record_evidence("add_numbers", run)
    evidence = skill.stats.evidence
    assert evidence.runs == EVIDENCE_CAP + 5
    assert len(evidence.requests) == len(evidence.users) == EVIDENCE_CAP
    storage.update("add_numbers", SkillChanges(code="return 0"))  # v2 starts afresh
    skill = storage.record_evidence("add_numbers", verdict(1, version=1))
    assert skill.version == 2 and skill.stats.evidence == TrustEvidence()


def test_origin_is_kept_until_behaviour_changes(storage: Any) -> None:
    first = SkillOrigin(execution="e1", request="q1", user="alice")
    assert storage.create(spec(), origin=first).origin == first
    storage.record_evidence("add_numbers", verdict(1))
    text_only = SkillChanges(description="text only")
    edited = storage.update("add_numbers", text_only, origin=SkillOrigin(execution="e2"))
    assert edited.origin == first and edited.stats.evidence.runs == 1
    second = SkillOrigin(execution="e3", request="q3", user="bob")
    changed = storage.update("add_numbers", SkillChanges(code="return 0"), origin=second)
    assert changed.origin == second and changed.stats.evidence == TrustEvidence()
    assert storage.rollback("add_numbers", 1, origin=first).origin == first
    assert storage.get("add_numbers").origin == first


def test_review_edits_send_a_trusted_skill_back_to_review(storage: Any) -> None:
    storage.create(spec())
    storage.record_evidence("add_numbers", verdict(1))
    storage.set_state("add_numbers", trust=TrustLevel.TRUSTED)
    kept = storage.update("add_numbers", SkillChanges(tags=["sums"]))
    assert (kept.trust, kept.status) == (TrustLevel.TRUSTED, SkillStatus.ACTIVE)
    held = storage.update("add_numbers", SkillChanges(description="new"), review_edits=True)
    assert (held.trust, held.status) == (TrustLevel.PROVISIONAL, SkillStatus.PENDING_REVIEW)
    assert held.stats.evidence.runs == 1 and storage.get("add_numbers") == held
    storage.set_state("add_numbers", trust=TrustLevel.TRUSTED, status=SkillStatus.ACTIVE)
    back = storage.rollback("add_numbers", 1, review_edits=True)  # the old text, unreviewed
    assert (back.trust, back.status) == (TrustLevel.PROVISIONAL, SkillStatus.PENDING_REVIEW)


def test_set_state_can_clear_the_evidence(storage: Any) -> None:
    storage.create(spec())
    storage.record_execution("add_numbers", RunRecord(success=True))
    for i in range(3):
        storage.record_evidence("add_numbers", verdict(i))
    cleared = storage.set_state("add_numbers", trust=TrustLevel.UNTRUSTED, clear_evidence=True)
    assert cleared is not None and cleared.stats.evidence == TrustEvidence()
    assert storage.get("add_numbers").stats.evidence == TrustEvidence()
    assert storage.get("add_numbers").stats.executions == 1
