"""``TrustKeeper``: trust after each execution, after each edit, and by a reviewer.

When an independent execution ends, each skill version it ran gets one verdict, counted
as evidence unless it came from the skill's own origin or author (``evidence.py``), and
the strategy's verdict is applied with compare-and-set, so concurrent runs or an edit in
between never make a stale verdict stick. With ``TrustPolicy(require_review=True)`` the
last step to ``trusted`` parks the skill in ``pending_review`` for an administrator. A
behaviour change of a skill costs its dependents the standing they earned with the old
code. An administrator approves, rejects (with a reason) or demotes. Every decision and
trust change is an event and an audit record naming the acting identity.
"""

from __future__ import annotations

import logging
from typing import Any

from ..errors import SkillConflict, SkillNotFound, StorageError
from ..events import EventHub, EventType
from ..records import BEHAVIOUR_FIELDS, Skill, SkillStatus, TrustLevel
from ..security.audit import AuditAction, Auditor
from ..security.context import ExecutionContext
from ..trust import TrustPolicy, TrustStrategy
from .evidence import RootExecution
from .tenant import TenantStore

_log = logging.getLogger(__name__)


class TrustKeeper:
    """Applies ``strategy`` and ``policy`` to the skills in ``store``."""

    def __init__(
        self,
        store: TenantStore,
        strategy: TrustStrategy,
        policy: TrustPolicy,
        events: EventHub,
        auditor: Auditor,
    ) -> None:
        self._store = store
        self._storage = store.storage
        self.strategy = strategy
        self.policy = policy
        self.events = events
        self.auditor = auditor

    def initial(self) -> TrustLevel:
        """The level of a new (or behaviour-changed) skill: the strategy's, but never
        ``trusted`` while review is required (``trusted`` then means approved)."""
        initial = self.strategy.initial
        if self.policy.require_review and initial > TrustLevel.PROVISIONAL:
            return TrustLevel.PROVISIONAL
        return initial

    def trust_changed(
        self,
        name: str,
        old: TrustLevel,
        new: TrustLevel,
        reason: str,
        who: ExecutionContext | None,
        **extra: Any,
    ) -> None:
        tenant = self._store.tenant
        self.events.emit(
            EventType.SKILL_TRUST_CHANGED,
            tenant=tenant,
            name=name,
            old=old.value,
            new=new.value,
            reason=reason,
            **extra,
        )
        self.auditor.record(
            AuditAction.TRUST_CHANGE,
            context=who,
            tenant=tenant,
            target=name,
            old=old.value,
            new=new.value,
            reason=reason,
            reviewer=extra.get("reviewer"),
        )

    def review_requested(self, skill: Skill, who: ExecutionContext | None, **detail: Any) -> None:
        tenant, name, version = self._store.tenant, skill.name, skill.version
        self.events.emit(
            EventType.SKILL_REVIEW_REQUESTED, tenant=tenant, name=name, version=version, **detail
        )
        self.auditor.record(
            AuditAction.REVIEW,
            context=who,
            tenant=tenant,
            target=name,
            decision="requested",
            version=version,
            **detail,
        )

    async def settle(
        self, root: RootExecution, who: ExecutionContext | None, *, quiet: bool = False
    ) -> None:
        """The root execution ended: count one verdict per skill version it ran (if it
        is independent evidence) and let the strategy judge. ``quiet``: a storage failure
        is logged instead of raised (``execute`` never raises for a program)."""
        count_author = bool(getattr(self.strategy, "count_author", False))
        for skill, success in root.verdicts():
            evidence = root.evidence(skill, success, count_author=count_author)
            if not root.counts or evidence is None:
                continue  # no evidence, nothing for the strategy to judge
            try:
                after = await self._store.run(
                    who, self._storage.record_evidence, skill.name, evidence
                )
                await self._evaluate(after, evidence.version, who)
            except SkillNotFound:
                continue  # deleted meanwhile
            except StorageError:
                if not quiet:
                    raise
                _log.warning("trust evidence of %s not recorded", skill.name, exc_info=True)

    async def _evaluate(self, skill: Skill, version: int, who: ExecutionContext | None) -> None:
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
                await self._hold(skill, who)
            target = max(current, TrustLevel.PROVISIONAL)  # only the last step waits
            if target == current:
                return
        elif target < current and skill.status is SkillStatus.PENDING_REVIEW:
            status = SkillStatus.ACTIVE  # the case for promotion no longer holds
        changed = await self._store.run(
            who,
            self._storage.set_state,
            skill.name,
            trust=target,
            status=status,
            expect_trust=current,
            expect_version=skill.version,
        )
        if changed is not None:
            reason = "promoted" if target > current else "demoted"
            self.trust_changed(skill.name, current, target, reason, who)

    async def _hold(self, skill: Skill, who: ExecutionContext | None, **detail: Any) -> None:
        """Park an active ``skill`` in the review queue (unless it changed meanwhile)."""
        held = await self._store.run(
            who,
            self._storage.set_state,
            skill.name,
            status=SkillStatus.PENDING_REVIEW,
            expect_status=SkillStatus.ACTIVE,
            expect_version=skill.version,
        )
        if held is not None:
            self.review_requested(skill, who, **detail)

    async def after_edit(
        self, before: Skill | None, after: Skill, who: ExecutionContext | None
    ) -> None:
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
        if before is not None and not behaviour:
            if before.trust is TrustLevel.TRUSTED and after.status is SkillStatus.PENDING_REVIEW:
                self.review_requested(after, who, reason="edited")
            return
        if self.strategy.initial > after.trust and after.status is SkillStatus.ACTIVE:
            # a strategy that trusts from the start (review capped it): wait for review
            await self._hold(after, who, reason="new version")
        skills = await self._store.run(who, self._storage.list)
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
                    await self._lose_standing(skill, after, changed, who)

    async def _lose_standing(
        self, skill: Skill, cause: Skill, through: str, who: ExecutionContext | None
    ) -> None:
        """Cap ``skill`` at ``cause``'s level and restart its evidence (its runs were of
        the old ``through``)."""
        target = min(skill.trust, cause.trust)
        pending = skill.status is SkillStatus.PENDING_REVIEW
        changed = await self._store.run(
            who,
            self._storage.set_state,
            skill.name,
            trust=target,
            status=SkillStatus.ACTIVE if pending else None,
            clear_evidence=True,
            expect_version=skill.version,
        )
        if changed is not None and target != skill.trust:
            reason = "dependency changed"
            self.trust_changed(skill.name, skill.trust, target, reason, who, dependency=through)

    # -- the reviewer's decisions (``SkillLibrary.approve`` and the like) -----------------
    def _decided(
        self,
        name: str,
        decision: str,
        reviewer: str,
        who: ExecutionContext | None,
        **detail: Any,
    ) -> None:
        self.auditor.record(
            AuditAction.REVIEW,
            context=who,
            tenant=self._store.tenant,
            target=name,
            user=reviewer,
            decision=decision,
            **detail,
        )

    async def approve(self, name: str, reviewer: str, who: ExecutionContext | None) -> Skill:
        before = await self._store.run(who, self._storage.get, name)
        skill = await self._store.run(
            who,
            self._storage.set_state,
            name,
            status=SkillStatus.ACTIVE,
            trust=TrustLevel.TRUSTED,
            expect_status=SkillStatus.PENDING_REVIEW,
            expect_version=before.version,
        )
        if skill is None:
            raise SkillConflict(f"skill {name!r} is not waiting for review")
        self._decided(name, "approved", reviewer, who, version=skill.version)
        self.trust_changed(name, before.trust, skill.trust, "approved", who, reviewer=reviewer)
        return skill

    async def reject(
        self, name: str, reviewer: str, reason: str | None, who: ExecutionContext | None
    ) -> Skill:
        await self._store.run(who, self._storage.get, name)  # SkillNotFound first
        skill = await self._store.run(
            who, self._storage.set_state, name, status=SkillStatus.REJECTED
        )
        assert skill is not None  # no expectation given: only SkillNotFound can stop it
        self._decided(name, "rejected", reviewer, who, version=skill.version, reason=reason)
        self.events.emit(
            EventType.SKILL_UPDATED,
            tenant=self._store.tenant,
            name=name,
            version=skill.version,
            note="rejected",
            reviewer=reviewer,
            reason=reason,
        )
        return skill

    async def demote(
        self,
        name: str,
        reviewer: str,
        reason: str | None,
        to: TrustLevel | str | None,
        who: ExecutionContext | None,
    ) -> Skill:
        before = await self._store.run(who, self._storage.get, name)
        target = TrustLevel(to) if to is not None else _one_below(before.trust)
        if target >= before.trust:
            raise SkillConflict(f"skill {name!r} is {before.trust.value}; demote to a lower level")
        status = SkillStatus.ACTIVE if before.status is SkillStatus.PENDING_REVIEW else None
        skill = await self._store.run(
            who,
            self._storage.set_state,
            name,
            trust=target,
            status=status,
            expect_trust=before.trust,
            expect_version=before.version,
        )
        if skill is None:
            raise SkillConflict(f"skill {name!r} changed meanwhile; read it again")
        self._decided(
            name,
            "demoted",
            reviewer,
            who,
            version=skill.version,
            reason=reason,
            old=before.trust.value,
            new=target.value,
        )
        self.trust_changed(
            name, before.trust, target, "demoted by reviewer", who, reviewer=reviewer
        )
        return skill


def _one_below(level: TrustLevel) -> TrustLevel:
    order = list(TrustLevel)
    index = order.index(level)
    return order[max(index - 1, 0)]
