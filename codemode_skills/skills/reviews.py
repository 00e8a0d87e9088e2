"""Trust after each execution, and the administrator's decisions (``SkillManager``'s half
on trust).

When an independent execution ends, each skill version it ran gets one verdict, counted
as evidence unless it came from the skill's own origin or author (``evidence.py``), and
the strategy's verdict is applied with compare-and-set, so concurrent runs or an edit in
between never make a stale verdict stick. With ``TrustPolicy(require_review=True)`` the
last step to ``trusted`` parks the skill in ``pending_review``; an administrator then
approves, rejects (with a reason) or demotes it. A behaviour change of a skill costs its
dependents the standing they earned with the old code. Every decision and trust change
is audited with the acting context.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from ..errors import SkillConflict, SkillNotFound, StorageError
from ..events import SKILL_REVIEW_REQUESTED, SKILL_TRUST_CHANGED, SKILL_UPDATED
from ..records import BEHAVIOUR_FIELDS, Skill, SkillOrigin, SkillStatus
from ..security.audit import REVIEW, TRUST_CHANGE
from ..security.context import use_context
from ..trust import TrustLevel
from .evidence import RootExecution, origin_of, rooted

_log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from .calls import CallContext
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

    def _initial_trust(self) -> TrustLevel:
        """The level of a new (or behaviour-changed) skill: the strategy's, but never
        ``trusted`` while review is required (``trusted`` then means approved)."""
        initial = self.strategy.initial
        if self.policy.require_review and initial > TrustLevel.PROVISIONAL:
            return TrustLevel.PROVISIONAL
        return initial

    def _origin(self) -> SkillOrigin:
        """The execution, request and user making a skill's behaviour now."""
        return origin_of(self._identity(), self.context)

    @asynccontextmanager
    async def _independent(
        self, context: CallContext, *, quiet: bool = False
    ) -> AsyncIterator[CallContext]:
        """``context`` as part of an independent execution: the calling one if there is
        one, else a new one that this block starts and settles when it ends."""
        ctx, root = rooted(context, counts=True)
        try:
            yield ctx
        finally:
            if root is not None:
                with use_context(ctx.identity):
                    await self._settle(root, quiet=quiet)

    async def _settle(self, root: RootExecution, *, quiet: bool = False) -> None:
        """The root execution ended: count one verdict per skill version it ran (if it
        is independent evidence) and let the strategy judge. ``quiet``: a storage failure
        is logged instead of raised (``execute`` never raises for a program)."""
        count_author = bool(getattr(self.strategy, "count_author", False))
        for skill, success in root.verdicts():
            evidence = root.evidence(skill, success, count_author=count_author)
            if not root.counts or evidence is None:
                continue  # no evidence, nothing for the strategy to judge
            try:
                after = await self._io(self.storage.record_evidence, skill.name, evidence)
                await self._evaluate(after, evidence.version)
            except SkillNotFound:
                continue  # deleted meanwhile
            except StorageError:
                if not quiet:
                    raise
                _log.warning("trust evidence of %s not recorded", skill.name, exc_info=True)

    async def _evaluate(self, skill: Skill, version: int) -> None:
        """Apply the strategy's verdict after an execution that ran ``version``."""
        if skill.version != version:
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
                    self._review_requested(skill)
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

    async def _after_edit(self, before: Skill | None, after: Skill) -> None:
        """Trust consequences of a new version (``before`` None: a new registration).

        A text-only edit that sent a trusted skill back to review (``review_edits``) is
        queued like a promotion, and so is a new version that the strategy would trust
        from the start while review is required. A behaviour change, or a registration
        under a name other skills call, costs every skill that depends on it, directly or
        through others, the standing it earned with the old code: its trust is capped at
        the new version's level, its evidence starts afresh and a pending review is void."""
        behaviour = before is None or any(
            getattr(before, f) != getattr(after, f) for f in BEHAVIOUR_FIELDS
        )
        if not behaviour:
            if before.trust is TrustLevel.TRUSTED and after.status is SkillStatus.PENDING_REVIEW:
                self._review_requested(after, reason="edited")
            return
        if self.strategy.initial > after.trust and after.status is SkillStatus.ACTIVE:
            held = await self._io(
                self.storage.set_state,
                after.name,
                status=SkillStatus.PENDING_REVIEW,
                expect_status=SkillStatus.ACTIVE,
                expect_version=after.version,
            )  # a strategy that trusts from the start (review capped it): wait for review
            if held is not None:
                self._review_requested(after, reason="new version")
        skills = await self.list()
        dependents: dict[str, list[Skill]] = {}
        for skill in skills:
            for name in skill.depends_on:
                dependents.setdefault(name, []).append(skill)
        seen, frontier = {after.name}, [after.name]
        while frontier:
            changed = frontier.pop()
            for skill in dependents.get(changed, []):
                if skill.name not in seen:
                    seen.add(skill.name)
                    frontier.append(skill.name)
                    await self._lose_standing(skill, after, changed)

    async def _lose_standing(self, skill: Skill, cause: Skill, through: str) -> None:
        """Cap ``skill`` at ``cause``'s level and restart its evidence (its runs were of
        the old ``through``)."""
        target = min(skill.trust, cause.trust)
        pending = skill.status is SkillStatus.PENDING_REVIEW
        changed = await self._io(
            self.storage.set_state,
            skill.name,
            trust=target,
            status=SkillStatus.ACTIVE if pending else None,
            clear_evidence=True,
            expect_version=skill.version,
        )
        if changed is not None and target != skill.trust:
            reason = "dependency changed"
            self._trust_event(skill.name, skill.trust, target, reason, dependency=through)

    def _review_requested(self, skill: Skill, **detail: Any) -> None:
        name, version = skill.name, skill.version
        self.events.emit(
            SKILL_REVIEW_REQUESTED, tenant=self.tenant, name=name, version=version, **detail
        )
        self.auditor.record(
            REVIEW,
            context=self._identity(),
            tenant=self.tenant,
            target=name,
            decision="requested",
            version=version,
            **detail,
        )

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
