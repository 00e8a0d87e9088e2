"""``ReviewService``: what an administrator needs to judge a promoted skill, in one place.

The CLI (``codemode-skills review``) and the web page (``admin.web``) both call this
service, so the two never disagree about what a reviewer sees or which checks a decision
passes. It opens one ``SkillLibrary`` per tenant over one store URL (cached, so a web
process does not reconnect per request) and turns the library's errors into three typed
ones a front end can map to a status: bad input, not found, and conflict. Reviewing
reads and decides; it never runs a skill (which may be exactly the code being refused).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator
from typing import Any

from ..errors import (
    InvalidSkillName,
    ReviewConflict,
    ReviewInputError,
    ReviewNotFound,
    SkillConflict,
    SkillNotFound,
)
from ..records import Skill, SkillStatus, SkillVersion, validate_skill_name
from ..security.audit import AuditAction, AuditLog
from ..security.context import validate_tenant
from ..skills.library import SkillLibrary
from ..storage import open_audit_log, open_storage
from ..trust import TrustLevel, TrustPolicy
from .views import (
    QueueRow,
    ReviewEvent,
    ReviewQueue,
    RunError,
    SkillDetail,
    VersionDiff,
    diff_versions,
    hidden_in,
)


def _name(name: object) -> str:
    try:
        return validate_skill_name(name)
    except InvalidSkillName as exc:
        raise ReviewInputError(str(exc)) from None


def _text(value: str | None, what: str, *, required: bool) -> str | None:
    value = (value or "").strip()
    if required and not value:
        raise ReviewInputError(f"{what} is required")
    if len(value) > 2000:
        raise ReviewInputError(f"{what} is too long (at most 2000 characters)")
    return value or None


@contextlib.contextmanager
def _translated() -> Iterator[None]:
    """The library's errors as the service's three kinds."""
    try:
        yield
    except SkillNotFound as exc:
        raise ReviewNotFound(str(exc)) from None
    except SkillConflict as exc:
        raise ReviewConflict(str(exc)) from None
    except InvalidSkillName as exc:
        raise ReviewInputError(str(exc)) from None


class ReviewService:
    """Review of one store (``store_url``) for any tenant; ``audit`` (an ``AuditLog`` or
    an ``open_audit_log`` URL) receives the decisions and supplies each skill's history.

    ``await service.close()`` closes the store (and an audit log it opened).
    """

    def __init__(self, store_url: str, *, audit: AuditLog | str | None = None) -> None:
        self.store_url = store_url
        self._owns_audit = isinstance(audit, str)
        self.audit: AuditLog | None = open_audit_log(audit) if isinstance(audit, str) else audit
        self._libraries: dict[str, SkillLibrary] = {}
        self._base: Any = None
        self._lock = threading.Lock()

    def _open(self, tenant: str) -> SkillLibrary:
        with self._lock:
            library = self._libraries.get(tenant)
            if library is None:
                if self._base is None:  # one connection per URL; other tenants are views
                    storage = self._base = open_storage(self.store_url, tenant=tenant)
                else:
                    storage = self._base.for_tenant(tenant)
                library = SkillLibrary(
                    storage, audit=self.audit, policy=TrustPolicy(require_review=True)
                )
                self._libraries[tenant] = library
            return library

    async def library(self, tenant: str) -> SkillLibrary:
        """The (cached) library of ``tenant``; a malformed tenant is a ``ReviewInputError``."""
        try:
            tenant = validate_tenant(tenant)
        except InvalidSkillName as exc:
            raise ReviewInputError(str(exc)) from None
        return await asyncio.to_thread(self._open, tenant)

    # -- reading -------------------------------------------------------------------------
    async def queue(self, tenant: str) -> ReviewQueue:
        """The skills waiting for review, then every skill of the tenant."""
        lib = await self.library(tenant)
        skills = await lib.list()
        pending = [s for s in skills if s.status is SkillStatus.PENDING_REVIEW]
        return ReviewQueue(
            tenant=lib.tenant,
            pending=[QueueRow.of(s) for s in pending],
            skills=[QueueRow.of(s) for s in skills],
        )

    async def diff(
        self,
        tenant: str,
        name: str,
        from_version: int | None = None,
        to_version: int | None = None,
    ) -> VersionDiff:
        """``from_version`` -> ``to_version`` (default: the previous -> the current one)."""
        lib = await self.library(tenant)
        name = _name(name)
        with _translated():
            versions = await lib.versions(name)
            return self._diff(name, versions, from_version, to_version)

    def _diff(
        self, name: str, versions: list[SkillVersion], old: int | None, new: int | None
    ) -> VersionDiff:
        by_number = {v.version: v for v in versions}
        new = new if new is not None else max(by_number)
        if old is None:
            earlier = [v for v in by_number if v < new]
            old = max(earlier) if earlier else None
        for wanted in (old, new):
            if wanted is not None and wanted not in by_number:
                known = ", ".join(f"v{v}" for v in sorted(by_number))
                raise ReviewNotFound(f"skill {name!r} has no version {wanted} (it has {known})")
        return diff_versions(name, by_number[old] if old is not None else None, by_number[new])

    async def errors(self, tenant: str, name: str, limit: int = 10) -> list[RunError]:
        """The last ``limit`` failed runs, newest first."""
        lib = await self.library(tenant)
        name = _name(name)
        with _translated():
            await lib.get(name)  # the tenant guard and SkillNotFound
            runs = await lib.runs(name, max(limit * 10, 100))
        failed = [r for r in runs if not r.success][:limit]
        return [
            RunError(
                at=r.at,
                version=r.version,
                error=r.error or "failed",
                caller=r.caller,
                duration_ms=r.duration_ms,
            )
            for r in failed
        ]

    async def history(self, tenant: str, name: str, limit: int = 20) -> list[ReviewEvent]:
        """Review requests and decisions for ``name``, newest first ([] without audit)."""
        if self.audit is None:
            return []
        lib = await self.library(tenant)
        records = await asyncio.to_thread(
            self.audit.read,
            tenant=lib.tenant,
            action=AuditAction.REVIEW,
            target=_name(name),
            limit=limit,
        )
        return [
            ReviewEvent(
                at=r.at,
                decision=str(r.detail.get("decision", "?")),
                reviewer=r.user,
                reason=r.detail.get("reason"),
                version=r.detail.get("version"),
                detail=r.detail,
            )
            for r in records
        ]

    async def detail(
        self,
        tenant: str,
        name: str,
        *,
        from_version: int | None = None,
        to_version: int | None = None,
        errors: int = 10,
        history: int = 20,
    ) -> SkillDetail:
        """The skill, its versions, a diff (previous -> current unless told), the last
        errors and the review history."""
        lib = await self.library(tenant)
        name = _name(name)
        with _translated():
            skill = await lib.get(name)
            versions = await lib.versions(name)
        diff = self._diff(name, versions, from_version, to_version)
        failed = await self.errors(tenant, name, errors)
        events = await self.history(tenant, name, history)
        return SkillDetail(
            tenant=lib.tenant,
            skill=skill,
            versions=sorted(versions, key=lambda v: -v.version),
            diff=diff,
            errors=failed,
            history=events,
            audit_enabled=self.audit is not None,
            hidden=hidden_in(skill, diff, failed, events, versions),
        )

    # -- deciding ------------------------------------------------------------------------
    async def approve(self, tenant: str, name: str, reviewer: str) -> Skill:
        """Grant the promotion to ``trusted``; ``ReviewConflict`` unless it is pending."""
        lib = await self.library(tenant)
        reviewer = _text(reviewer, "reviewer", required=True) or ""
        with _translated():
            return await lib.approve(_name(name), reviewer=reviewer)

    async def reject(self, tenant: str, name: str, reviewer: str, reason: str | None) -> Skill:
        """Refuse the skill for good (it stays stored); a reason is required, because the
        author and later reviewers need to know why."""
        lib = await self.library(tenant)
        reviewer = _text(reviewer, "reviewer", required=True) or ""
        why = _text(reason, "a reason for the rejection", required=True)
        name = _name(name)
        with _translated():
            if (await lib.get(name)).status is SkillStatus.REJECTED:
                raise ReviewConflict(f"skill {name!r} is already rejected")
            return await lib.reject(name, reviewer=reviewer, reason=why)

    async def demote(
        self,
        tenant: str,
        name: str,
        reviewer: str,
        reason: str | None = None,
        to: TrustLevel | str | None = None,
    ) -> Skill:
        """Lower the trust (default one level) and take the skill out of the queue."""
        lib = await self.library(tenant)
        reviewer = _text(reviewer, "reviewer", required=True) or ""
        why = _text(reason, "reason", required=False)
        try:
            level = TrustLevel(to) if to not in (None, "") else None
        except ValueError:
            choices = ", ".join(t.value for t in TrustLevel)
            raise ReviewInputError(f"unknown trust level {to!r} (use {choices})") from None
        with _translated():
            return await lib.demote(_name(name), reviewer=reviewer, reason=why, to=level)

    async def close(self) -> None:
        with self._lock:
            self._libraries = {}
            base, self._base = self._base, None
        if base is not None:
            base.close()
        if self._owns_audit and hasattr(self.audit, "close"):
            self.audit.close()  # type: ignore[union-attr]

    async def __aenter__(self) -> ReviewService:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
