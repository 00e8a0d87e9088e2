"""Trust strategies: the exact thresholds, demotion on the recent window, custom rules."""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from codemode_skills.skills.model import RunRecord, SkillStats, apply_run
from codemode_skills.trust import (
    AlwaysTrustedStrategy,
    CustomTrustStrategy,
    DefaultTrustStrategy,
    RelaxedTrustStrategy,
    Threshold,
    TrustLevel,
    TrustStrategy,
)

U, P, T = TrustLevel.UNTRUSTED, TrustLevel.PROVISIONAL, TrustLevel.TRUSTED


def replay(strategy: TrustStrategy, outcomes: Iterable[bool]) -> tuple[TrustLevel, SkillStats]:
    """Feed runs one at a time, evaluating after each (as SkillManager does)."""
    level, stats = strategy.initial, SkillStats()
    for ok in outcomes:
        stats = apply_run(stats, RunRecord(success=ok))
        level = strategy.evaluate(stats, level)
    return level, stats


def failures_first(total: int, failures: int) -> list[bool]:
    return [False] * failures + [True] * (total - failures)


@pytest.mark.parametrize(
    ("total", "failures", "expected"),
    [
        (9, 0, U),  # too few runs
        (10, 0, P),
        (10, 1, P),  # exactly 90 %
        (10, 2, U),  # 80 %
        (99, 0, P),  # one run short of trusted
        (100, 5, T),  # exactly 95 %
        (100, 6, P),  # 94 %
    ],
)
def test_default_thresholds(total: int, failures: int, expected: TrustLevel) -> None:
    assert replay(DefaultTrustStrategy(), failures_first(total, failures))[0] is expected


@pytest.mark.parametrize(
    ("total", "failures", "expected"),
    [
        (2, 0, U),
        (3, 0, P),
        (5, 1, P),  # exactly 80 %
        (4, 1, U),  # 75 %
        (9, 0, P),
        (10, 1, T),  # exactly 90 %
        (10, 2, P),  # 80 %
    ],
)
def test_relaxed_thresholds(total: int, failures: int, expected: TrustLevel) -> None:
    assert replay(RelaxedTrustStrategy(), failures_first(total, failures))[0] is expected


def test_promotion_needs_a_good_recent_window_too() -> None:
    # 100 runs at 95 % overall, but four of the failures are among the last 20 (80 %)
    outcomes = [True] * 80 + [False] + [True] * 15 + [False] * 4
    level, stats = replay(DefaultTrustStrategy(), outcomes)
    assert stats.success_rate == pytest.approx(0.95)
    assert level is not T


def test_demotion_when_the_recent_window_drops() -> None:
    strategy = DefaultTrustStrategy()
    level, _ = replay(strategy, [True] * 120)
    assert level is T
    # two failures in the last 20 (90 %): below trusted's 95 %, still provisional's 90 %
    level, stats = replay(strategy, [True] * 118 + [False, False])
    assert level is P and stats.success_rate > 0.95  # history alone would have kept it
    # three failures (85 %): below both bars
    level, _ = replay(strategy, [True] * 117 + [False] * 3)
    assert level is U


def test_one_bad_run_does_not_demote_a_short_window() -> None:
    strategy = RelaxedTrustStrategy()  # provisional after 3 runs
    level, stats = replay(strategy, [True, True, True, False])
    assert len(stats.recent) == 4 < strategy.min_recent
    assert level is P  # 75 % in a window of 4 is not yet evidence
    level, _ = replay(strategy, [True, True, True, False, False])
    assert level is U


def test_demotion_can_be_switched_off() -> None:
    level, _ = replay(DefaultTrustStrategy(demote=False), [True] * 100 + [False] * 10)
    assert level is T


def test_always_trusted() -> None:
    strategy = AlwaysTrustedStrategy()
    assert strategy.initial is T
    assert replay(strategy, [False] * 50)[0] is T


def test_custom_thresholds_and_rule() -> None:
    strict = CustomTrustStrategy(provisional=(2, 1.0), trusted=Threshold(4, 1.0))
    assert replay(strict, [True, True])[0] is P
    assert replay(strict, [True] * 4)[0] is T
    assert replay(strict, [False, True, True, True])[0] is U

    def rule(stats: SkillStats, current: TrustLevel) -> TrustLevel:
        return T if stats.successes >= 2 else current

    assert replay(CustomTrustStrategy(rule=rule), [False, True, True])[0] is T
    assert replay(CustomTrustStrategy(rule=rule), [True])[0] is U


def test_threshold_values_are_checked() -> None:
    with pytest.raises(ValueError):
        Threshold(5, 1.5)
    with pytest.raises(ValueError):
        CustomTrustStrategy(provisional=(-1, 0.5))


def test_levels_are_ordered() -> None:
    assert U < P < T and T > P >= P and max(U, T, P) is T
    assert sorted([T, U, P]) == [U, P, T]
