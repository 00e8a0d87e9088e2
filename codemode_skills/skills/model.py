"""The skill data model: what is stored, versioned and shown to models and admins.

A skill's *content* (description, code, schemas, hints, tags, dependencies) is versioned:
every edit makes a new version and old versions stay readable for history and rollback.
Its *state* (status, trust, stats) changes without a new version; a version that changes
behaviour starts its stats afresh, because runs of the old code say nothing about it.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timezone
from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..errors import InvalidSkillName
from ..trust.levels import EVIDENCE_CAP, TrustLevel

#: Also the JSON Schema ``pattern`` of name fields. Python checks use ``fullmatch``: with
#: ``match``, ``$`` also matches before a final newline, so ``"report\n"`` passed.
NAME_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"
_NAME = re.compile(NAME_PATTERN)
_TENANT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}$")

CODE_HELP = (
    "Body of an async function, like an execute_python program. The validated input is "
    "bound to `input` (a dict); `return` the result. Call tools as `await tools.x(...)` "
    "and other skills as `await skills.y(...)`."
)

#: The longest skill code: the host compiles and checks registered code itself, under
#: the same cap as programs (``sandbox.programs.HOST_MAX_BYTES``; a test keeps them equal),
#: and the model sees it as the ``maxLength`` of ``register_skill``'s code.
MAX_CODE_CHARS = 16_384

#: How many of the latest runs the recent-window success rate looks at.
RECENT_WINDOW = 20

#: The fields that make up a version (everything a model or an admin would review).
CONTENT_FIELDS = (
    "description",
    "code",
    "input_schema",
    "output_schema",
    "usage_hints",
    "tags",
    "depends_on",
)


def validate_skill_name(name: object) -> str:
    """The one name check every storage method runs before touching anything."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise InvalidSkillName(
            f"invalid skill name {name!r}: use lowercase letters, digits and '_', "
            "starting with a letter, at most 64 characters"
        )
    return name


def validate_tenant(tenant: object) -> str:
    if not isinstance(tenant, str) or not _TENANT.fullmatch(tenant) or tenant in (".", ".."):
        raise InvalidSkillName(f"invalid tenant id {tenant!r}")
    return tenant


def utcnow() -> datetime:
    """Now, in UTC, at millisecond precision (what every backend can store exactly)."""
    now = datetime.now(timezone.utc)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def new_id() -> str:
    return uuid.uuid4().hex


class SkillStatus(str, Enum):
    ACTIVE = "active"
    PENDING_REVIEW = "pending_review"  # promotion to trusted waits for an administrator
    DEPRECATED = "deprecated"  # still callable by name, hidden from search and selection
    REJECTED = "rejected"  # an administrator refused it: never runs


class SkillSpec(BaseModel):
    """What a model or user submits to register a skill (the content of version 1)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="lowercase snake_case, e.g. 'weekly_sales_report'")
    description: str = Field(
        min_length=1,
        max_length=4000,
        description="What it does and when to use it (one paragraph).",
    )
    code: str = Field(min_length=1, max_length=MAX_CODE_CHARS, description=CODE_HELP)
    input_schema: dict[str, Any] = Field(
        default_factory=lambda: {"type": "object", "properties": {}},
        description="JSON Schema of the input (an object).",
    )
    output_schema: dict[str, Any] = Field(
        default_factory=dict, description="JSON Schema of the result ({} accepts anything)."
    )
    usage_hints: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    depends_on: list[str] = Field(default_factory=list)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return validate_skill_name(value)

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: list[str]) -> list[str]:
        return sorted({t.strip().lower() for t in value if t.strip()})


class SkillChanges(BaseModel):
    """A partial edit of a skill's content; unset fields keep their value."""

    model_config = ConfigDict(extra="forbid")

    description: str | None = Field(default=None, min_length=1, max_length=4000)
    code: str | None = Field(
        default=None, min_length=1, max_length=MAX_CODE_CHARS, description=CODE_HELP
    )
    input_schema: dict[str, Any] | None = None
    output_schema: dict[str, Any] | None = None
    usage_hints: list[str] | None = None
    tags: list[str] | None = None
    depends_on: list[str] | None = None

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else sorted({t.strip().lower() for t in value if t.strip()})

    def content(self) -> dict[str, Any]:
        return {k: v for k, v in self.model_dump().items() if v is not None}


class TrustEvidence(BaseModel):
    """The runs of the current version that count toward trust: independent evidence.

    At most one run per execution (a program that calls the skill 100 times is one run,
    a failure if any of its calls failed), and none from the execution or request that
    registered or last changed the skill's behaviour, nor (by default) from its author.
    ``requests``, ``users`` and ``days`` are the distinct keys seen (hashed; users never
    include the author), each at most ``EVIDENCE_CAP`` long: thresholds ask for fewer.
    """

    runs: int = 0
    successes: int = 0
    failures: int = 0
    recent: list[bool] = Field(default_factory=list)
    requests: list[str] = Field(default_factory=list)
    users: list[str] = Field(default_factory=list)
    days: list[str] = Field(default_factory=list)

    @property
    def success_rate(self) -> float:
        return self.successes / self.runs if self.runs else 0.0

    @property
    def recent_success_rate(self) -> float | None:
        return sum(self.recent) / len(self.recent) if self.recent else None


class Evidence(BaseModel):
    """One execution's verdict on one skill version, as ``record_evidence`` counts it."""

    version: int
    success: bool
    request: str | None = None  # hashed request key (distinct requests)
    user: str | None = None  # hashed user; None for anonymous runs and the author's own
    day: str | None = None  # UTC date, YYYY-MM-DD (distinct days)


class SkillOrigin(BaseModel):
    """Where the current behaviour came from: its runs are not independent evidence."""

    execution: str | None = None
    request: str | None = None
    user: str | None = None


class SkillStats(BaseModel):
    """Counters of the current version. ``executions``/``successes``/``failures`` count
    every call (for stats and debugging); ``recent`` holds the latest call outcomes,
    newest last, at most ``RECENT_WINDOW`` of them. Trust reads ``evidence`` only."""

    executions: int = 0
    successes: int = 0
    failures: int = 0
    recent: list[bool] = Field(default_factory=list)
    last_used_at: datetime | None = None
    last_error: str | None = None
    total_duration_ms: float = 0.0
    evidence: TrustEvidence = Field(default_factory=TrustEvidence)

    @property
    def success_rate(self) -> float:
        return self.successes / self.executions if self.executions else 0.0

    @property
    def recent_success_rate(self) -> float | None:
        return sum(self.recent) / len(self.recent) if self.recent else None


class RunRecord(BaseModel):
    """One run of a skill, as recorded by ``record_execution``."""

    success: bool
    duration_ms: float = 0.0
    error: str | None = None
    at: datetime = Field(default_factory=utcnow)
    version: int | None = None  # filled in by the storage: the version that ran
    caller: str | None = None
    execution: str | None = None  # the independent execution the call belonged to


class SkillVersion(BaseModel):
    """One stored version of a skill's content."""

    version: int
    description: str
    code: str
    input_schema: dict[str, Any]
    output_schema: dict[str, Any]
    usage_hints: list[str]
    tags: list[str]
    depends_on: list[str]
    created_at: datetime
    author: str | None = None
    note: str | None = None


class Skill(BaseModel):
    """A stored skill: content of the current version plus its state."""

    id: str = Field(default_factory=new_id)
    tenant: str
    name: str
    description: str
    code: str
    input_schema: dict[str, Any]
    output_schema: dict[str, Any] = Field(default_factory=dict)
    usage_hints: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    depends_on: list[str] = Field(default_factory=list)
    version: int = 1
    status: SkillStatus = SkillStatus.ACTIVE
    trust: TrustLevel = TrustLevel.UNTRUSTED
    stats: SkillStats = Field(default_factory=SkillStats)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    author: str | None = None
    origin: SkillOrigin | None = None  # None: stored before origins were recorded

    def content(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in CONTENT_FIELDS}

    def snapshot(self, note: str | None = None) -> SkillVersion:
        """This version's content, as kept in the history."""
        return SkillVersion(
            version=self.version,
            created_at=self.updated_at,
            author=self.author,
            note=note,
            **self.content(),
        )

    def summary(self) -> dict[str, Any]:
        """What a model sees in search results: enough to decide, not the code."""
        return {
            "name": self.name,
            "description": self.description,
            "tags": self.tags,
            "trust": self.trust.value,
            "status": self.status.value,
            "version": self.version,
            "runs": self.stats.executions,
            "success_rate": round(self.stats.success_rate, 3),
            "independent_runs": self.stats.evidence.runs,  # what trust is earned on
        }


class SearchHit(BaseModel):
    skill: Skill
    score: float


def create_skill(
    spec: SkillSpec,
    *,
    tenant: str,
    author: str | None,
    trust: TrustLevel,
    origin: SkillOrigin | None = None,
) -> Skill:
    """Version 1 of a new skill (shared by every backend)."""
    now = utcnow()
    return Skill(
        tenant=tenant,
        name=spec.name,
        author=author,
        trust=trust,
        created_at=now,
        updated_at=now,
        origin=origin,
        **spec.model_dump(exclude={"name"}),
    )


#: The content fields that change what a skill does (the others only describe it).
BEHAVIOUR_FIELDS = ("code", "input_schema", "output_schema", "depends_on")


def changes_behaviour(skill: Skill, content: dict[str, Any]) -> bool:
    """Whether ``content`` differs from ``skill`` in what it does (not only its text)."""
    return any(f in content and content[f] != getattr(skill, f) for f in BEHAVIOUR_FIELDS)


def next_version(
    skill: Skill,
    content: dict[str, Any],
    *,
    author: str | None,
    trust: TrustLevel,
    origin: SkillOrigin | None = None,
    review_edits: bool = False,
) -> Skill:
    """The skill after an edit: a new version number, always.

    When the edit changes behaviour (code, schemas, dependencies) the old record says
    nothing about the new code: stats start afresh, trust returns to ``trust``, a
    pending review is void and ``origin`` (the editing execution) replaces the old one.
    An edit of the description, hints or tags keeps them, except that with
    ``review_edits`` (``TrustPolicy(require_review=True)``) a trusted skill goes back to
    ``provisional``/``pending_review``: its new text reaches other users' prompts, so a
    reviewer approves it again. A rejected skill stays rejected until an administrator
    looks again.
    """
    update: dict[str, Any] = {
        **content,
        "version": skill.version + 1,
        "updated_at": utcnow(),
        "author": author if author is not None else skill.author,
    }
    if changes_behaviour(skill, content):
        pending = skill.status is SkillStatus.PENDING_REVIEW
        update.update(
            stats=SkillStats(),
            trust=trust,
            status=SkillStatus.ACTIVE if pending else skill.status,
            origin=origin if origin is not None else skill.origin,
        )
    elif review_edits and skill.trust is TrustLevel.TRUSTED:
        if skill.status is not SkillStatus.REJECTED:
            update.update(trust=TrustLevel.PROVISIONAL, status=SkillStatus.PENDING_REVIEW)
    return skill.model_copy(update=update, deep=True)


def apply_run(stats: SkillStats, run: RunRecord) -> SkillStats:
    """The stats after one run (for backends that update in the host process)."""
    recent = [*stats.recent, run.success][-RECENT_WINDOW:]
    return SkillStats(
        executions=stats.executions + 1,
        successes=stats.successes + (1 if run.success else 0),
        failures=stats.failures + (0 if run.success else 1),
        recent=recent,
        last_used_at=run.at,
        last_error=stats.last_error if run.success else (run.error or "failed"),
        total_duration_ms=stats.total_duration_ms + run.duration_ms,
        evidence=stats.evidence,
    )


def _add_key(keys: list[str], key: str | None) -> list[str]:
    if key is None or key in keys or len(keys) >= EVIDENCE_CAP:
        return keys
    return [*keys, key]


def apply_evidence(evidence: TrustEvidence, run: Evidence) -> TrustEvidence:
    """The evidence after one counted run (for backends that update in the host process;
    ``MongoSkillStorage`` does the same in one atomic pipeline update)."""
    return TrustEvidence(
        runs=evidence.runs + 1,
        successes=evidence.successes + (1 if run.success else 0),
        failures=evidence.failures + (0 if run.success else 1),
        recent=[*evidence.recent, run.success][-RECENT_WINDOW:],
        requests=_add_key(evidence.requests, run.request),
        users=_add_key(evidence.users, run.user),
        days=_add_key(evidence.days, run.day),
    )
