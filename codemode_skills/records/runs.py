"""A skill's runs as stored: counters, the independent evidence trust reads, one run.

Shared by every backend, so a run updates the same way in memory, in files, in SQL and
(through one atomic pipeline that mirrors ``apply_evidence``) in MongoDB.
"""

from __future__ import annotations

from datetime import datetime, timezone
from uuid import uuid4

from pydantic import BaseModel, Field

from .trust import EVIDENCE_CAP

#: How many of the latest runs the recent-window success rate looks at.
RECENT_WINDOW = 20


def utcnow() -> datetime:
    """Now, in UTC, at millisecond precision (what every backend can store exactly)."""
    now = datetime.now(timezone.utc)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def new_id() -> str:
    """A fresh random id (skills, executions)."""
    return uuid4().hex


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
