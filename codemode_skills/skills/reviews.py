"""Trust after each run, and the administrator's decisions (``SkillManager``'s half on trust).

The strategy's verdict is applied with compare-and-set, so concurrent runs or an edit in
between never make a stale verdict stick. With ``TrustPolicy(require_review=True)`` the
last step to ``trusted`` parks the skill in ``pending_review``; an administrator then
approves, rejects (with a reason) or demotes it. Every decision and trust change is
audited with the acting context.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import SkillConflict
from ..events import SKILL_REVIEW_REQUESTED, SKILL_TRUST_CHANGED, SKILL_UPDATED
from ..security.audit import REVIEW, TRUST_CHANGE
from ..trust import TrustLevel
from .model import RunRecord, Skill, SkillStatus

if TYPE_CHECKING:
    from .manager import SkillManager

    _Base = SkillManager
else:
    _Base = object


class TrustMixin(_Base):
    """Trust evaluation and review decisions, mixed into ``SkillManager``."""

    def _trust_event(self, name: str, old: TrustLevel, new: TrustLevel, reason: str,
                     **extra: Any) -> None:  # fmt: skip
        self.events.emit(SKILL_TRUST_CHANGED, tenant=self.tenant, name=name,
                         old=old.value, new=new.value, reason=reason, **extra)  # fmt: skip
        self.auditor.record(TRUST_CHANGE, context=self._identity(), tenant=self.tenant,
                            target=name, old=old.value, new=new.value, reason=reason,
                            reviewer=extra.get("reviewer"))  # fmt: skip

    async def _evaluate(self, skill: Skill, run: RunRecord) -> None:
        """Apply the strategy's verdict after a run."""
        if skill.version != run.version:
            return
        current = skill.trust
        target = self.strategy.evaluate(skill.stats, current)
        if target == current:
            return
        status = None
        if target is TrustLevel.TRUSTED and self.policy.require_review:
            if skill.status is SkillStatus.ACTIVE:
                held = await self._io(
                    self.storage.set_state, skill.name, status=SkillStatus.PENDING_REVIEW,
                    expect_status=SkillStatus.ACTIVE, expect_version=skill.version,
                )  # fmt: skip
                if held is not None:
                    self.events.emit(SKILL_REVIEW_REQUESTED, tenant=self.tenant,
                                     name=skill.name, version=skill.version)  # fmt: skip
                    self.auditor.record(REVIEW, context=self._identity(), tenant=self.tenant,
                                        target=skill.name, decision="requested",
                                        version=skill.version)  # fmt: skip
            target = max(current, TrustLevel.PROVISIONAL)  # only the last step waits
            if target == current:
                return
        elif target < current and skill.status is SkillStatus.PENDING_REVIEW:
            status = SkillStatus.ACTIVE  # the case for promotion no longer holds
        changed = await self._io(
            self.storage.set_state, skill.name, trust=target, status=status,
            expect_trust=current, expect_version=skill.version,
        )  # fmt: skip
        if changed is not None:
            reason = "promoted" if target > current else "demoted"
            self._trust_event(skill.name, current, target, reason)

    async def pending_reviews(self) -> list[Skill]:
        """Skills waiting for an administrator's decision on ``trusted``."""
        return await self.list(status=SkillStatus.PENDING_REVIEW)

    def _decided(self, name: str, decision: str, reviewer: str, **detail: Any) -> None:
        self.auditor.record(REVIEW, context=self._identity(), tenant=self.tenant, target=name,
                            user=reviewer, decision=decision, **detail)  # fmt: skip

    async def approve(self, name: str, *, reviewer: str) -> Skill:
        """Grant the promotion to ``trusted`` a skill is waiting for."""
        before = await self.get(name)
        skill = await self._io(
            self.storage.set_state, name, status=SkillStatus.ACTIVE, trust=TrustLevel.TRUSTED,
            expect_status=SkillStatus.PENDING_REVIEW, expect_version=before.version,
        )  # fmt: skip
        if skill is None:
            raise SkillConflict(f"skill {name!r} is not waiting for review")
        self._decided(name, "approved", reviewer, version=skill.version)
        self._trust_event(name, before.trust, skill.trust, "approved", reviewer=reviewer)
        return skill

    async def reject(self, name: str, *, reviewer: str, reason: str | None = None) -> Skill:
        """Refuse a skill: it stays stored (for the record) but never runs again."""
        await self.get(name)  # tenant check and SkillNotFound
        skill = await self._io(self.storage.set_state, name, status=SkillStatus.REJECTED)
        assert skill is not None  # no expectation given: only SkillNotFound can stop it
        self._decided(name, "rejected", reviewer, version=skill.version, reason=reason)
        self.events.emit(SKILL_UPDATED, tenant=self.tenant, name=name, version=skill.version,
                         note="rejected", reviewer=reviewer, reason=reason)  # fmt: skip
        return skill

    async def demote(
        self,
        name: str,
        *,
        reviewer: str,
        reason: str | None = None,
        to: TrustLevel | str | None = None,
    ) -> Skill:
        """Lower a skill's trust (default: one level) and take it out of the review queue.

        The strategy may promote it again on new runs; with ``require_review`` the step
        back to ``trusted`` waits for another review."""
        before = await self.get(name)
        target = TrustLevel(to) if to is not None else _one_below(before.trust)
        if target >= before.trust:
            raise SkillConflict(f"skill {name!r} is {before.trust.value}; demote to a lower level")
        status = SkillStatus.ACTIVE if before.status is SkillStatus.PENDING_REVIEW else None
        skill = await self._io(
            self.storage.set_state, name, trust=target, status=status,
            expect_trust=before.trust, expect_version=before.version,
        )  # fmt: skip
        if skill is None:
            raise SkillConflict(f"skill {name!r} changed meanwhile; read it again")
        self._decided(name, "demoted", reviewer, version=skill.version, reason=reason,
                      old=before.trust.value, new=target.value)  # fmt: skip
        self._trust_event(name, before.trust, target, "demoted by reviewer", reviewer=reviewer)
        return skill


def _one_below(level: TrustLevel) -> TrustLevel:
    order = list(TrustLevel)
    index = order.index(level)
    return order[max(index - 1, 0)]
