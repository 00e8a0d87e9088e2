"""Trust strategies: from a skill's run stats to the level it has earned.

A level is earned with enough runs at a high enough success rate overall *and* over the
recent window, and lost when the recent window falls below the level's bar: a skill that
was reliable for 100 runs and then starts failing (an API changed under it) is demoted
after a handful of failures instead of coasting on its history.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from .levels import Threshold, TrustLevel

if TYPE_CHECKING:  # skills.model imports trust.levels: no import cycle at run time
    from ..skills.model import SkillStats

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
    failure in a row of two says little).
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
    ) -> None:
        self.thresholds = {
            TrustLevel.PROVISIONAL: _threshold(provisional),
            TrustLevel.TRUSTED: _threshold(trusted),
        }
        self.initial = TrustLevel(initial)
        self.demote = demote
        self.min_recent = min_recent

    def __repr__(self) -> str:
        p, t = self.thresholds[TrustLevel.PROVISIONAL], self.thresholds[TrustLevel.TRUSTED]
        return (
            f"{type(self).__name__}(provisional={p.min_runs}/{p.min_success_rate:.0%}, "
            f"trusted={t.min_runs}/{t.min_success_rate:.0%})"
        )

    def _meets(self, stats: SkillStats, level: TrustLevel) -> bool:
        bar = self.thresholds[level]
        recent = stats.recent_success_rate
        return (
            stats.executions >= bar.min_runs
            and stats.success_rate >= bar.min_success_rate
            and (recent is None or recent >= bar.min_success_rate)
        )

    def earned(self, stats: SkillStats) -> TrustLevel:
        """The highest level ``stats`` qualify for, from scratch."""
        level = TrustLevel.UNTRUSTED
        for candidate in _ORDER[1:]:
            if self._meets(stats, candidate):
                level = candidate
        return level

    def evaluate(self, stats: SkillStats, current: TrustLevel) -> TrustLevel:
        recent = stats.recent_success_rate
        if (
            self.demote
            and current > TrustLevel.UNTRUSTED
            and recent is not None
            and len(stats.recent) >= self.min_recent
            and recent < self.thresholds[current].min_success_rate
        ):
            level = current
            while level > TrustLevel.UNTRUSTED and recent < self.thresholds[level].min_success_rate:
                level = _ORDER[level.rank - 1]
            return level
        earned = self.earned(stats)
        return earned if earned > current else current


class DefaultTrustStrategy(ThresholdTrustStrategy):
    """Provisional at >= 10 runs and >= 90 % success; trusted at >= 100 runs and >= 95 %."""

    name = "default"

    def __init__(self, **options: object) -> None:
        super().__init__(Threshold(10, 0.90), Threshold(100, 0.95), **options)  # type: ignore[arg-type]


class RelaxedTrustStrategy(ThresholdTrustStrategy):
    """Provisional at >= 3 runs and >= 80 %; trusted at >= 10 runs and >= 90 %."""

    name = "relaxed"

    def __init__(self, **options: object) -> None:
        super().__init__(Threshold(3, 0.80), Threshold(10, 0.90), **options)  # type: ignore[arg-type]


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

    ``CustomTrustStrategy(provisional=(5, 0.8), trusted=(50, 0.98))`` or
    ``CustomTrustStrategy(rule=lambda stats, current: ...)`` where the rule returns the
    new ``TrustLevel``.
    """

    name = "custom"

    def __init__(
        self,
        provisional: Threshold | tuple[int, float] = Threshold(10, 0.90),
        trusted: Threshold | tuple[int, float] = Threshold(100, 0.95),
        *,
        rule: Callable[[SkillStats, TrustLevel], TrustLevel] | None = None,
        initial: TrustLevel = TrustLevel.UNTRUSTED,
        demote: bool = True,
        min_recent: int = 5,
    ) -> None:
        super().__init__(provisional, trusted, initial=initial, demote=demote,
                         min_recent=min_recent)  # fmt: skip
        self.rule = rule

    def evaluate(self, stats: SkillStats, current: TrustLevel) -> TrustLevel:
        if self.rule is not None:
            return TrustLevel(self.rule(stats, current))
        return super().evaluate(stats, current)
