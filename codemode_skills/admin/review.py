"""``ReviewService``: what an administrator needs to judge a promoted skill, in one place.

The CLI (``codemode-skills review``) and the web page (``admin.web``) both call this
service, so the two never disagree about what a reviewer sees or which checks a decision
passes. It opens one ``SkillManager`` per tenant over one store URL (cached, so a web
process does not reconnect per request) and turns the library's errors into three typed
ones a front end can map to a status: bad input, not found, and conflict.
"""

from __future__ import annotations

import asyncio
import contextlib
import difflib
import json
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from ..codemode import CodeMode, create_code_mode
from ..errors import CodeModeError, InvalidSkillName, SkillConflict, SkillNotFound
from ..records import (
    CONTENT_FIELDS,
    Skill,
    SkillStatus,
    SkillVersion,
    validate_skill_name,
)
from ..sandbox.driver import ExecutionRequest, failure
from ..sandbox.result import ExecutionResult
from ..security.audit import REVIEW, AuditLog, open_audit_log
from ..security.context import validate_tenant
from ..skills.display import hidden_characters
from ..skills.manager import SkillManager
from ..storage import open_storage
from ..trust import TrustLevel, TrustPolicy


class ReviewError(CodeModeError):
    """Base of the review service's refusals."""


class ReviewInputError(ReviewError, ValueError):
    """Bad input: a malformed tenant or skill name, a missing reason, an unknown level."""


class ReviewNotFound(ReviewError, KeyError):
    """No such skill (or version) for this tenant."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else "not found"


class ReviewConflict(ReviewError):
    """The skill's state does not allow the decision (e.g. approving a skill not pending)."""


class _NoExecution:
    """A driver that never runs anything: reviewing reads and decides, it must not execute
    a skill under review (which may be exactly the code being refused)."""

    name = "review-only"
    isolation: dict[str, Any] = {"driver": "review-only", "active": []}

    async def start(self) -> None:
        return None

    async def execute(self, request: ExecutionRequest) -> ExecutionResult:
        return failure("ReviewOnly", "the review service does not run skills", [],
                       time.perf_counter())  # fmt: skip

    async def close(self) -> None:
        return None


class SkillRow(BaseModel):
    """One line of a tenant's queue or skill list."""

    name: str
    description: str
    version: int
    trust: TrustLevel
    status: SkillStatus
    #: Independent runs (what trust is earned by: one per execution, none from the
    #: skill's origin or author), their success rates, and the distinct requests and
    #: users behind them; ``calls`` counts every call, for context.
    runs: int
    success_rate: float
    recent_success_rate: float | None
    requests: int
    users: int
    calls: int
    last_used_at: datetime | None
    updated_at: datetime

    @classmethod
    def of(cls, skill: Skill) -> SkillRow:
        s, e = skill.stats, skill.stats.evidence
        return cls(name=skill.name, description=skill.description, version=skill.version,
                   trust=skill.trust, status=skill.status, runs=e.runs,
                   success_rate=e.success_rate, recent_success_rate=e.recent_success_rate,
                   requests=len(e.requests), users=len(e.users), calls=s.executions,
                   last_used_at=s.last_used_at, updated_at=skill.updated_at)  # fmt: skip


class ReviewQueue(BaseModel):
    """A tenant's pending reviews, and every skill (so demotions can be found too)."""

    tenant: str
    pending: list[SkillRow]
    skills: list[SkillRow]


class RunError(BaseModel):
    """A failed run, as the reviewer sees it."""

    at: datetime
    version: int | None
    error: str
    caller: str | None
    duration_ms: float


class ReviewEvent(BaseModel):
    """One review decision (or request) from the audit log."""

    at: datetime
    decision: str
    reviewer: str | None
    reason: str | None
    version: int | None
    detail: dict[str, Any]


class VersionDiff(BaseModel):
    """A unified diff between two versions; ``from_version`` None: there is no earlier one."""

    from_version: int | None
    to_version: int
    text: str


class SkillDetail(BaseModel):
    """Everything a reviewer reads before deciding."""

    tenant: str
    skill: Skill
    versions: list[SkillVersion]
    diff: VersionDiff
    errors: list[RunError]
    history: list[ReviewEvent]
    audit_enabled: bool
    #: Hidden characters in what the reviewer reads (``display``), e.g. ``code line 3,
    #: column 9: U+202E RIGHT-TO-LEFT OVERRIDE``; every front end warns when non-empty.
    hidden: list[str] = []

    @property
    def average_ms(self) -> float | None:
        s = self.skill.stats
        return s.total_duration_ms / s.executions if s.executions else None


def render_version(version: SkillVersion | Skill) -> list[str]:
    """A version as review text: the code first, then every other content field (so a
    schema or description change shows in the diff as plainly as a code change)."""
    lines = [*version.code.splitlines()]
    for field in CONTENT_FIELDS:
        if field == "code":
            continue
        value = getattr(version, field)
        text = value if isinstance(value, str) else json.dumps(value, indent=2, sort_keys=True)
        lines += ["", f"# -- {field} --", *text.splitlines()]
    return lines


def diff_versions(name: str, old: SkillVersion | None, new: SkillVersion) -> VersionDiff:
    """Unified diff of ``old`` -> ``new`` (empty text when there is no ``old``)."""
    if old is None:
        return VersionDiff(from_version=None, to_version=new.version, text="")
    text = "\n".join(
        difflib.unified_diff(
            render_version(old), render_version(new),
            fromfile=f"{name} v{old.version}", tofile=f"{name} v{new.version}", lineterm="",
        )
    )  # fmt: skip
    return VersionDiff(from_version=old.version, to_version=new.version, text=text)


def hidden_in(
    skill: Skill,
    diff: VersionDiff,
    errors: list[RunError],
    history: list[ReviewEvent],
    versions: list[SkillVersion],
    each: int = 3,
) -> list[str]:
    """Where the text a reviewer reads holds characters shown escaped (``display``): the
    first ``each`` of every text (code, description, each tag, error...)."""
    texts = [
        ("code", skill.code),
        ("description", skill.description),
        *(("tag", t) for t in skill.tags),
        *(("usage hint", h) for h in skill.usage_hints),
        ("input_schema", json.dumps(skill.input_schema, ensure_ascii=False)),
        ("output_schema", json.dumps(skill.output_schema, ensure_ascii=False)),
        ("author", skill.author or ""),
        ("diff", diff.text),
        *(("error", e.error) for e in errors),
        *(("caller", e.caller or "") for e in errors),
        *(("review reason", h.reason or "") for h in history),
        *(("reviewer", h.reviewer or "") for h in history),
        *(("version note", v.note or "") for v in versions),
        *(("version author", v.author or "") for v in versions),
    ]
    return [str(h) for where, text in texts for h in hidden_characters(text, where, limit=each)]


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

    ``await service.close()`` closes the cached managers (and an audit log it opened).
    """

    def __init__(self, store_url: str, *, audit: AuditLog | str | None = None) -> None:
        self.store_url = store_url
        self._owns_audit = isinstance(audit, str)
        self.audit: AuditLog | None = open_audit_log(audit) if isinstance(audit, str) else audit
        self._code_mode: CodeMode = create_code_mode(driver=_NoExecution())  # type: ignore[arg-type]
        self._managers: dict[str, SkillManager] = {}
        self._base: Any = None
        self._lock = threading.Lock()

    def _open(self, tenant: str) -> SkillManager:
        with self._lock:
            manager = self._managers.get(tenant)
            if manager is None:
                if self._base is None:  # one connection per URL; other tenants are views
                    storage = self._base = open_storage(self.store_url, tenant=tenant)
                else:
                    storage = self._base.for_tenant(tenant)
                manager = SkillManager(storage, self._code_mode, audit=self.audit,
                                       policy=TrustPolicy(require_review=True))  # fmt: skip
                self._managers[tenant] = manager
            return manager

    async def manager(self, tenant: str) -> SkillManager:
        """The (cached) manager of ``tenant``; a malformed tenant is a ``ReviewInputError``."""
        try:
            tenant = validate_tenant(tenant)
        except InvalidSkillName as exc:
            raise ReviewInputError(str(exc)) from None
        return await asyncio.to_thread(self._open, tenant)

    # -- reading -------------------------------------------------------------------------
    async def queue(self, tenant: str) -> ReviewQueue:
        """The skills waiting for review, then every skill of the tenant."""
        m = await self.manager(tenant)
        skills = await m.list()
        pending = [s for s in skills if s.status is SkillStatus.PENDING_REVIEW]
        return ReviewQueue(tenant=m.tenant, pending=[SkillRow.of(s) for s in pending],
                           skills=[SkillRow.of(s) for s in skills])  # fmt: skip

    async def diff(
        self, tenant: str, name: str, from_version: int | None = None,
        to_version: int | None = None,
    ) -> VersionDiff:  # fmt: skip
        """``from_version`` -> ``to_version`` (default: the previous -> the current one)."""
        m = await self.manager(tenant)
        name = _name(name)
        with _translated():
            versions = await m.versions(name)
            return self._diff(name, versions, from_version, to_version)

    def _diff(self, name: str, versions: list[SkillVersion], old: int | None,
              new: int | None) -> VersionDiff:  # fmt: skip
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
        m = await self.manager(tenant)
        name = _name(name)
        with _translated():
            await m.get(name)  # the tenant guard and SkillNotFound
            runs = await asyncio.to_thread(m.storage.runs, name, max(limit * 10, 100))
        failed = [r for r in runs if not r.success][:limit]
        return [RunError(at=r.at, version=r.version, error=r.error or "failed",
                         caller=r.caller, duration_ms=r.duration_ms) for r in failed]  # fmt: skip

    async def history(self, tenant: str, name: str, limit: int = 20) -> list[ReviewEvent]:
        """Review requests and decisions for ``name``, newest first ([] without audit)."""
        if self.audit is None:
            return []
        m = await self.manager(tenant)
        records = await asyncio.to_thread(self.audit.read, tenant=m.tenant, action=REVIEW,
                                          target=_name(name), limit=limit)  # fmt: skip
        return [ReviewEvent(at=r.at, decision=str(r.detail.get("decision", "?")),
                            reviewer=r.user, reason=r.detail.get("reason"),
                            version=r.detail.get("version"), detail=r.detail)
                for r in records]  # fmt: skip

    async def detail(
        self, tenant: str, name: str, *, from_version: int | None = None,
        to_version: int | None = None, errors: int = 10, history: int = 20,
    ) -> SkillDetail:  # fmt: skip
        """The skill, its versions, a diff (previous -> current unless told), the last
        errors and the review history."""
        m = await self.manager(tenant)
        name = _name(name)
        with _translated():
            skill = await m.get(name)
            versions = await m.versions(name)
        diff = self._diff(name, versions, from_version, to_version)
        failed = await self.errors(tenant, name, errors)
        events = await self.history(tenant, name, history)
        return SkillDetail(
            tenant=m.tenant, skill=skill, versions=sorted(versions, key=lambda v: -v.version),
            diff=diff, errors=failed, history=events, audit_enabled=self.audit is not None,
            hidden=hidden_in(skill, diff, failed, events, versions),
        )  # fmt: skip

    # -- deciding ------------------------------------------------------------------------
    async def approve(self, tenant: str, name: str, reviewer: str) -> Skill:
        """Grant the promotion to ``trusted``; ``ReviewConflict`` unless it is pending."""
        m = await self.manager(tenant)
        reviewer = _text(reviewer, "reviewer", required=True) or ""
        with _translated():
            return await m.approve(_name(name), reviewer=reviewer)

    async def reject(self, tenant: str, name: str, reviewer: str, reason: str | None) -> Skill:
        """Refuse the skill for good (it stays stored); a reason is required, because the
        author and later reviewers need to know why."""
        m = await self.manager(tenant)
        reviewer = _text(reviewer, "reviewer", required=True) or ""
        why = _text(reason, "a reason for the rejection", required=True)
        name = _name(name)
        with _translated():
            if (await m.get(name)).status is SkillStatus.REJECTED:
                raise ReviewConflict(f"skill {name!r} is already rejected")
            return await m.reject(name, reviewer=reviewer, reason=why)

    async def demote(
        self, tenant: str, name: str, reviewer: str, reason: str | None = None,
        to: TrustLevel | str | None = None,
    ) -> Skill:  # fmt: skip
        """Lower the trust (default one level) and take the skill out of the queue."""
        m = await self.manager(tenant)
        reviewer = _text(reviewer, "reviewer", required=True) or ""
        why = _text(reason, "reason", required=False)
        try:
            level = TrustLevel(to) if to not in (None, "") else None
        except ValueError:
            choices = ", ".join(t.value for t in TrustLevel)
            raise ReviewInputError(f"unknown trust level {to!r} (use {choices})") from None
        with _translated():
            return await m.demote(_name(name), reviewer=reviewer, reason=why, to=level)

    async def close(self) -> None:
        with self._lock:
            managers, self._managers = list(self._managers.values()), {}
            base, self._base = self._base, None
        for manager in managers:
            await manager.close()
        await self._code_mode.close()
        if base is not None:
            base.close()
        if self._owns_audit and hasattr(self.audit, "close"):
            self.audit.close()  # type: ignore[union-attr]

    async def __aenter__(self) -> ReviewService:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
