"""What a reviewer reads: the queue's rows, a skill's detail, version diffs.

View models shared by the CLI and the web page (``ReviewService`` builds them), so the two
show the same facts; ``hidden_in`` lists where that text holds characters shown escaped.
"""

from __future__ import annotations

import difflib
import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from ..records import CONTENT_FIELDS, Skill, SkillStatus, SkillVersion
from ..records.display import hidden_characters
from ..trust import TrustLevel


class QueueRow(BaseModel):
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
    def of(cls, skill: Skill) -> QueueRow:
        s, e = skill.stats, skill.stats.evidence
        return cls(
            name=skill.name,
            description=skill.description,
            version=skill.version,
            trust=skill.trust,
            status=skill.status,
            runs=e.runs,
            success_rate=e.success_rate,
            recent_success_rate=e.recent_success_rate,
            requests=len(e.requests),
            users=len(e.users),
            calls=s.executions,
            last_used_at=s.last_used_at,
            updated_at=skill.updated_at,
        )


class ReviewQueue(BaseModel):
    """A tenant's pending reviews, and every skill (so demotions can be found too)."""

    tenant: str
    pending: list[QueueRow]
    skills: list[QueueRow]


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
            render_version(old),
            render_version(new),
            fromfile=f"{name} v{old.version}",
            tofile=f"{name} v{new.version}",
            lineterm="",
        )
    )
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
