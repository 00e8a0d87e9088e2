"""A stored skill: its name rule, what is submitted, what is kept, how a version follows.

A skill's *content* (description, code, schemas, hints, tags, dependencies) is versioned:
every edit makes a new version and old versions stay readable for history and rollback.
Its *state* (status, trust, stats) changes without a new version; a version that changes
behaviour starts its stats afresh, because runs of the old code say nothing about it.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..errors import InvalidSkillName
from .runs import SkillOrigin, SkillStats, new_id, utcnow
from .trust import TrustLevel

#: Also the JSON Schema ``pattern`` of name fields. Python checks use ``fullmatch``: with
#: ``match``, ``$`` also matches before a final newline, so ``"report\n"`` passed.
NAME_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"
_NAME = re.compile(NAME_PATTERN)

CODE_HELP = (
    "Body of an async function, like an execute_python program. The validated input is "
    "bound to `input` (a dict); `return` the result. Call tools as `await tools.x(...)` "
    "and other skills as `await skills.y(...)`."
)

#: The longest skill code: the host compiles and checks registered code itself, under
#: the same cap as programs (``sandbox.programs.HOST_MAX_BYTES``; a test keeps them equal),
#: and the model sees it as the ``maxLength`` of ``register_skill``'s code.
MAX_CODE_CHARS = 16_384

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
