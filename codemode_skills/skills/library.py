"""``SkillLibrary``: one tenant's skills in a store, and the trust they earn.

Register, edit, roll back, delete, find and read skills; record their runs and let trust
follow (``verdicts.py``); take the administrator's review decisions. The library runs
nothing: ``SkillManager`` adds execution, and the admin review service uses the library
alone.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

from pydantic import ValidationError

from ..errors import SkillExists, SkillNotFound, SkillValidationError
from ..events import EventHub, EventType
from ..records import (
    RunRecord,
    SearchHit,
    Skill,
    SkillChanges,
    SkillOrigin,
    SkillSpec,
    SkillStatus,
    SkillVersion,
    TrustLevel,
)
from ..sandbox.programs import ProgramCache
from ..security.audit import AuditAction, AuditLog, Auditor
from ..security.context import ExecutionContext, current_context, execution_identity
from ..storage.base import SkillStorage
from ..tools.tool import format_validation_error
from ..trust import DefaultTrustStrategy, TrustPolicy, TrustStrategy
from .calls import Caller
from .evidence import origin_of
from .tenant import TenantStore
from .validation import check_content
from .verdicts import TrustKeeper


class SkillLibrary:
    """The skills of one tenant: ``SkillLibrary(open_storage(url, tenant="acme"))``.

    Every public method acts for one ``ExecutionContext``, resolved once when it is
    called: the caller's own identity; else that of the execution whose tool call this
    is (a management tool called by a program acts for that program, never for the
    library's configured identity); else ``identity``; else the ambient
    ``use_context``. It is checked against the store's tenant before every storage call
    (``TenantMismatch``) and named in every audit record. ``audit`` records skill
    changes, runs, trust changes and review decisions; ``events`` announces them.
    ``context``: the default ``Caller`` (its ``caller`` names who edits, its
    ``conversation`` is the request of a session without an identity).
    """

    def __init__(
        self,
        storage: SkillStorage,
        *,
        trust_strategy: TrustStrategy | None = None,
        policy: TrustPolicy | None = None,
        context: Caller | None = None,
        identity: ExecutionContext | None = None,
        audit: AuditLog | Auditor | None = None,
        events: EventHub | None = None,
    ) -> None:
        self.storage = storage
        self.context = context or Caller()
        self.identity = identity
        if identity is not None:
            identity.check_tenant(self.tenant)
        self.events = events if events is not None else EventHub()
        self.auditor = audit if isinstance(audit, Auditor) else Auditor(audit)
        self._store = TenantStore(storage, self.auditor)
        self._trust = TrustKeeper(
            self._store,
            trust_strategy or DefaultTrustStrategy(),
            policy or TrustPolicy(),
            self.events,
            self.auditor,
        )
        #: Where the static checks compile (``SkillManager`` uses its driver's cache).
        self._programs = ProgramCache()

    @property
    def tenant(self) -> str:
        return self.storage.tenant

    @property
    def strategy(self) -> TrustStrategy:
        """What promotes and demotes the skills (may be replaced on a live library)."""
        return self._trust.strategy

    @strategy.setter
    def strategy(self, strategy: TrustStrategy) -> None:
        self._trust.strategy = strategy

    @property
    def policy(self) -> TrustPolicy:
        """What trust gates (read by every call and decision)."""
        return self._trust.policy

    @policy.setter
    def policy(self, policy: TrustPolicy) -> None:
        self._trust.policy = policy

    # -- who acts ------------------------------------------------------------------------
    def _who(self, caller: Caller | None = None) -> ExecutionContext | None:
        """The identity a public call acts for, the most explicit first (see the class)."""
        if caller is not None and caller.identity is not None:
            return caller.identity
        return execution_identity() or self.identity or current_context()

    def _acting(self, caller: Caller | None) -> Caller:
        """``caller`` (or the default) with its identity resolved and tenant-checked."""
        ctx = caller or self.context
        who = self._who(ctx)
        self._store.guard(who)
        return ctx if who is ctx.identity else replace(ctx, identity=who)

    def _origin(self, who: ExecutionContext | None) -> SkillOrigin:
        """The execution, request and user making a skill's behaviour now."""
        return origin_of(who, self.context.conversation)

    # -- checks --------------------------------------------------------------------------
    def _tool_names(self) -> Collection[str]:
        """Names a new skill may not take because a tool has them (none here)."""
        return ()

    def _existing(self, names: Iterable[str]) -> list[str]:
        """Which of ``names`` are stored skills (blocking: run it through the store)."""
        found = []
        for name in names:
            try:
                self.storage.get(name)
            except SkillNotFound:
                continue
            found.append(name)
        return found

    async def _validate(
        self,
        name: str,
        content: dict[str, Any],
        who: ExecutionContext | None,
        *,
        new: bool,
        test_input: Any,
    ) -> list[str]:
        """Check ``content`` before it is stored; return its full ``depends_on``. The
        library checks statically; ``SkillManager`` adds the test run on ``test_input``."""
        if test_input is not None:
            raise SkillValidationError("a test run needs a SkillManager: a library runs nothing")
        return await check_content(
            name,
            content,
            tool_names=self._tool_names() if new else (),
            existing=lambda names: self._store.run(who, self._existing, names),
            programs=self._programs,
            tenant=who.tenant if who is not None else None,
            isolated=self._compiles_isolated(),
        )

    def _compiles_isolated(self) -> bool:
        """Whether programs are compiled for a process of their own (``SkillManager``:
        as its driver compiles them)."""
        return False

    # -- registering and editing ---------------------------------------------------------
    async def register(
        self,
        spec: SkillSpec | Mapping[str, Any],
        *,
        author: str | None = None,
        test_input: Any = None,
    ) -> Skill:
        """Validate, optionally test-run on ``test_input``, then store version 1.

        Raises ``SkillValidationError`` (nothing stored) or ``SkillExists``."""
        if not isinstance(spec, SkillSpec):
            try:
                spec = SkillSpec.model_validate(spec)
            except ValidationError as exc:
                raise SkillValidationError(
                    f"invalid skill: {format_validation_error(exc)}",
                    [format_validation_error(exc, limit=20)],
                ) from None
        who = self._who()
        if await self._store.run(who, self._existing, [spec.name]):
            raise SkillExists(f"a skill named {spec.name!r} already exists; use update_skill")
        content = spec.model_dump()
        depends_on = await self._validate(spec.name, content, who, new=True, test_input=test_input)
        spec = spec.model_copy(update={"depends_on": depends_on})
        skill = await self._store.run(
            who,
            self.storage.create,
            spec,
            author=author,
            trust=self._trust.initial(),
            origin=self._origin(who),
        )
        self.events.emit(
            EventType.SKILL_REGISTERED,
            tenant=self.tenant,
            name=skill.name,
            version=skill.version,
            author=author,
            trust=skill.trust.value,
        )
        self._audit_change(skill, "registered", author, who)
        await self._trust.after_edit(None, skill, who)  # callers of this name lose standing
        return skill

    async def update(
        self,
        name: str,
        changes: SkillChanges | Mapping[str, Any],
        *,
        author: str | None = None,
        note: str | None = None,
        test_input: Any = None,
        expected_version: int | None = None,
    ) -> Skill:
        """Validate and store a new version. A behaviour change (code, schemas) restarts the
        stats at the strategy's initial trust and costs dependents their standing; a
        description edit keeps them, but with ``require_review`` a trusted skill goes back
        to review (its text reaches other users' prompts)."""
        if not isinstance(changes, SkillChanges):
            try:
                changes = SkillChanges.model_validate(changes)
            except ValidationError as exc:
                message = f"invalid changes: {format_validation_error(exc)}"
                raise SkillValidationError(message) from None
        who = self._who()
        current = await self._store.run(who, self.storage.get, name)
        content = {**current.content(), **changes.content()}
        depends_on = await self._validate(name, content, who, new=False, test_input=test_input)
        changes = changes.model_copy(update={"depends_on": depends_on})
        skill = await self._store.run(
            who,
            self.storage.update,
            name,
            changes,
            author=author,
            note=note,
            trust=self._trust.initial(),
            origin=self._origin(who),
            review_edits=self.policy.require_review,
            expected_version=expected_version,
        )
        await self._changed(current, skill, note or "new version", author, who)
        return skill

    async def rollback(self, name: str, version: int, *, author: str | None = None) -> Skill:
        """Store version ``version``'s content again, as a new version."""
        who = self._who()
        current = await self._store.run(who, self.storage.get, name)
        skill = await self._store.run(
            who,
            self.storage.rollback,
            name,
            version,
            author=author,
            trust=self._trust.initial(),
            origin=self._origin(who),
            review_edits=self.policy.require_review,
        )
        await self._changed(current, skill, f"rollback to v{version}", author, who)
        return skill

    async def _changed(
        self,
        before: Skill,
        after: Skill,
        note: str,
        author: str | None,
        who: ExecutionContext | None,
    ) -> None:
        self.events.emit(
            EventType.SKILL_UPDATED,
            tenant=self.tenant,
            name=after.name,
            version=after.version,
            note=note,
        )
        self._audit_change(after, note, author, who)
        if after.trust != before.trust:
            self._trust.trust_changed(after.name, before.trust, after.trust, "new version", who)
        await self._trust.after_edit(before, after, who)

    def _audit_change(
        self, skill: Skill, change: str, author: str | None, who: ExecutionContext | None
    ) -> None:
        self.auditor.record(
            AuditAction.SKILL_CHANGE,
            context=who,
            tenant=self.tenant,
            target=skill.name,
            change=change,
            version=skill.version,
            author=author,
        )

    async def delete(self, name: str) -> bool:
        who = self._who()
        deleted = await self._store.run(who, self.storage.delete, name)
        if deleted:
            self.auditor.record(
                AuditAction.SKILL_CHANGE,
                context=who,
                tenant=self.tenant,
                target=name,
                change="deleted",
            )
        return deleted

    # -- reading -------------------------------------------------------------------------
    async def get(self, name: str) -> Skill:
        return await self._store.run(self._who(), self.storage.get, name)

    async def search(self, query: str, *, limit: int = 5, **filters: Any) -> list[SearchHit]:
        return await self._store.run(
            self._who(), self.storage.search, query, limit=limit, **filters
        )

    async def list(self, **filters: Any) -> list[Skill]:
        return await self._store.run(self._who(), self.storage.list, **filters)

    async def versions(self, name: str) -> list[SkillVersion]:
        return await self._store.run(self._who(), self.storage.versions, name)

    async def get_version(self, name: str, version: int) -> SkillVersion:
        return await self._store.run(self._who(), self.storage.get_version, name, version)

    async def runs(self, name: str, limit: int = 50) -> list[RunRecord]:
        """The last ``limit`` runs of ``name`` (every call), newest first."""
        return await self._store.run(self._who(), self.storage.runs, name, limit)

    # -- runs and the trust they earn ------------------------------------------------------
    @asynccontextmanager
    async def _independent(self, caller: Caller, *, quiet: bool = False) -> AsyncIterator[Caller]:
        """``caller`` as part of an independent execution: the calling one if there is
        one, else a new one that this block starts and settles when it ends."""
        ctx, root = caller.rooted(counts=True)
        try:
            yield ctx
        finally:
            if root is not None:
                await self._trust.settle(root, ctx.identity, quiet=quiet)

    async def _record_run(self, skill: Skill, run: RunRecord, caller: Caller) -> None:
        """Count one call of ``skill`` in its stats; its root execution judges trust once,
        when it ends."""
        after = await self._store.run(
            caller.identity, self.storage.record_execution, skill.name, run
        )
        if caller.root is not None:
            caller.root.note(skill, run.success, after)

    # -- review decisions ------------------------------------------------------------------
    async def pending_reviews(self) -> list[Skill]:
        """Skills waiting for an administrator's decision on ``trusted``."""
        return await self.list(status=SkillStatus.PENDING_REVIEW)

    async def approve(self, name: str, *, reviewer: str) -> Skill:
        """Grant the promotion to ``trusted`` a skill is waiting for (``SkillConflict``
        unless it is waiting)."""
        return await self._trust.approve(name, reviewer, self._who())

    async def reject(self, name: str, *, reviewer: str, reason: str | None = None) -> Skill:
        """Refuse a skill: it stays stored (for the record) but never runs again."""
        return await self._trust.reject(name, reviewer, reason, self._who())

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
        return await self._trust.demote(name, reviewer, reason, to, self._who())
