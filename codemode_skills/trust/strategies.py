"""Trust strategies: from a skill's independent evidence to the level it has earned.

Strategies read ``SkillStats.evidence``: at most one run per execution, none from the
execution or request that registered (or last changed) the skill, none from its author
unless ``count_author=True``. A level is earned with enough such runs at a high enough
success rate overall *and* over the recent window, from enough distinct requests, users
and days; it is lost when the recent window falls below the level's bar: a skill that
was reliable for 100 runs and then starts failing (an API changed under it) is demoted
after a handful of failures instead of coasting on its history.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, runtime_checkable

from ..records import SkillStats, TrustEvidence, TrustLevel
from .threshold import Threshold

_ORDER = (TrustLevel.UNTRUSTED, TrustLevel.PROVISIONAL, TrustLevel.TRUSTED)


@runtime_checkable
class TrustStrategy(Protocol):
    """Decides trust levels. ``initial`` is the level of a new (or newly edited) skill."""

    name: str
    initial: TrustLevel

    def evaluate(self, stats: SkillStats, current: TrustLevel) -> TrustLevel:
        """The level after the latest run (may be above, equal to or below ``current``)."""
        ...


def _threshold(value: Threshold | tuple[int, float]) -> Threshold:
    return value if isinstance(value, Threshold) else Threshold(*value)


class ThresholdTrustStrategy:
    """Promotion at ``provisional``/``trusted`` thresholds; demotion on the recent window.

    ``min_recent``: how many recent runs it takes before a bad window can demote (one
    failure in a row of two says little). ``count_author``: let the author's own runs
    (not those of the registering execution or request) count as runs; they never count
    as a distinct user. Off by default: an author vouching for their own skill is not
    independent evidence.
    """

    name = "threshold"

    def __init__(
        self,
        provisional: Threshold | tuple[int, float],
        trusted: Threshold | tuple[int, float],
        *,
        initial: TrustLevel = TrustLevel.UNTRUSTED,
        demote: bool = True,
        min_recent: int = 5,
        count_author: bool = False,
    ) -> None:
        self.thresholds = {
            TrustLevel.PROVISIONAL: _threshold(provisional),
            TrustLevel.TRUSTED: _threshold(trusted),
        }
        self.initial = TrustLevel(initial)
        self.demote = demote
        self.min_recent = min_recent
        self.count_author = count_author

    def __repr__(self) -> str:
        p, t = self.thresholds[TrustLevel.PROVISIONAL], self.thresholds[TrustLevel.TRUSTED]
        return (
            f"{type(self).__name__}(provisional={p.min_runs}/{p.min_success_rate:.0%}, "
            f"trusted={t.min_runs}/{t.min_success_rate:.0%})"
        )

    def _meets(self, evidence: TrustEvidence, level: TrustLevel) -> bool:
        bar = self.thresholds[level]
        recent = evidence.recent_success_rate
        return (
            evidence.runs >= bar.min_runs
            and evidence.success_rate >= bar.min_success_rate
            and (recent is None or recent >= bar.min_success_rate)
            and len(evidence.requests) >= bar.min_requests
            and len(evidence.users) >= bar.min_users
            and len(evidence.days) >= bar.min_days
        )

    def earned(self, stats: SkillStats) -> TrustLevel:
        """The highest level ``stats.evidence`` qualifies for, from scratch."""
        level = TrustLevel.UNTRUSTED
        for candidate in _ORDER[1:]:
            if self._meets(stats.evidence, candidate):
                level = candidate
        return level

    def evaluate(self, stats: SkillStats, current: TrustLevel) -> TrustLevel:
        evidence = stats.evidence
        recent = evidence.recent_success_rate
        if (
            self.demote
            and current > TrustLevel.UNTRUSTED
            and recent is not None
            and len(evidence.recent) >= self.min_recent
            and recent < self.thresholds[current].min_success_rate
        ):
            level = current
            while level > TrustLevel.UNTRUSTED and recent < self.thresholds[level].min_success_rate:
                level = _ORDER[level.rank - 1]
            return level
        earned = self.earned(stats)
        return earned if earned > current else current


#: ``DefaultTrustStrategy``'s bars: several requests for ``provisional``, and for
#: ``trusted`` ten requests and two users besides the author (one user's habits, or one
#: compromised account, should not make a skill trusted for everyone).
DEFAULT_PROVISIONAL = Threshold(10, 0.90, min_requests=3)
DEFAULT_TRUSTED = Threshold(100, 0.95, min_requests=10, min_users=2)
#: ``RelaxedTrustStrategy``'s bars (small teams, one operator): no second user, but
#: still more than one request, so no single conversation earns a level.
RELAXED_PROVISIONAL = Threshold(3, 0.80, min_requests=2)
RELAXED_TRUSTED = Threshold(10, 0.90, min_requests=3)


class DefaultTrustStrategy(ThresholdTrustStrategy):
    """Provisional at >= 10 runs, >= 90 % success, from >= 3 requests; trusted at >= 100
    runs, >= 95 %, from >= 10 requests and >= 2 users other than the author."""

    name = "default"

    def __init__(self, **options: object) -> None:
        super().__init__(DEFAULT_PROVISIONAL, DEFAULT_TRUSTED, **options)  # type: ignore[arg-type]


class RelaxedTrustStrategy(ThresholdTrustStrategy):
    """Provisional at >= 3 runs, >= 80 %, from >= 2 requests; trusted at >= 10 runs,
    >= 90 %, from >= 3 requests."""

    name = "relaxed"

    def __init__(self, **options: object) -> None:
        super().__init__(RELAXED_PROVISIONAL, RELAXED_TRUSTED, **options)  # type: ignore[arg-type]


class AlwaysTrustedStrategy:
    """Every skill is trusted from its first version on (for single-user, self-authored
    libraries); nothing is promoted or demoted."""

    name = "always_trusted"
    initial = TrustLevel.TRUSTED

    def evaluate(self, stats: SkillStats, current: TrustLevel) -> TrustLevel:
        return TrustLevel.TRUSTED

    def __repr__(self) -> str:
        return "AlwaysTrustedStrategy()"


class CustomTrustStrategy(ThresholdTrustStrategy):
    """Your own thresholds, or your own rule.

    ``CustomTrustStrategy(provisional=(5, 0.8), trusted=Threshold(50, 0.98,
    min_requests=10, min_users=3, min_days=2))`` or
    ``CustomTrustStrategy(rule=lambda stats, current: ...)`` where the rule returns the
    new ``TrustLevel``. A ``(runs, rate)`` tuple asks nothing about distinct requests,
    users or days (runs still count once per execution, never from the registering
    execution or the author); a rule should read ``stats.evidence``, the independent
    runs, not ``stats.executions``, which counts every call.
    """

    name = "custom"

    def __init__(
        self,
        provisional: Threshold | tuple[int, float] = DEFAULT_PROVISIONAL,
        trusted: Threshold | tuple[int, float] = DEFAULT_TRUSTED,
        *,
        rule: Callable[[SkillStats, TrustLevel], TrustLevel] | None = None,
        initial: TrustLevel = TrustLevel.UNTRUSTED,
        demote: bool = True,
        min_recent: int = 5,
        count_author: bool = False,
    ) -> None:
        super().__init__(
            provisional,
            trusted,
            initial=initial,
            demote=demote,
            min_recent=min_recent,
            count_author=count_author,
        )
        self.rule = rule

    def evaluate(self, stats: SkillStats, current: TrustLevel) -> TrustLevel:
        if self.rule is not None:
            return TrustLevel(self.rule(stats, current))
        return super().evaluate(stats, current)
