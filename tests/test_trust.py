"""Trust strategies: the exact thresholds, demotion on the recent window, custom rules,
and the independence bars (distinct requests, users, days) on the evidence they read."""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from codemode_skills.records import (
    Evidence,
    RunRecord,
    SkillStats,
    TrustEvidence,
    apply_evidence,
    apply_run,
)
from codemode_skills.skills import Caller
from codemode_skills.trust import (
    AlwaysTrustedStrategy,
    CustomTrustStrategy,
    DefaultTrustStrategy,
    RelaxedTrustStrategy,
    Threshold,
    TrustLevel,
    TrustPolicy,
    TrustStrategy,
)

U, P, T = TrustLevel.UNTRUSTED, TrustLevel.PROVISIONAL, TrustLevel.TRUSTED


def replay(
    strategy: TrustStrategy,
    outcomes: Iterable[bool],
    *,
    requests: int | None = None,
    users: int = 3,
    days: int = 1,
) -> tuple[TrustLevel, SkillStats]:
    """Feed independent runs one at a time, evaluating after each (as SkillManager does
    when an execution ends). Run i comes from request ``i % requests`` (default: each
    its own), user ``i % users`` and day ``i % days``."""
    level, stats = strategy.initial, SkillStats()
    for i, ok in enumerate(outcomes):
        request = f"r{i % requests if requests else i}"
        user = f"u{i % users}" if users else None
        day = f"2030-01-{1 + i % days:02d}"
        run = Evidence(version=1, success=ok, request=request, user=user, day=day)
        evidence = apply_evidence(stats.evidence, run)
        stats = stats.model_copy(update={"evidence": evidence})
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
    assert stats.evidence.success_rate == pytest.approx(0.95)
    assert level is not T


def test_demotion_when_the_recent_window_drops() -> None:
    strategy = DefaultTrustStrategy()
    level, _ = replay(strategy, [True] * 120)
    assert level is T
    # two failures in the last 20 (90 %): below trusted's 95 %, still provisional's 90 %
    level, stats = replay(strategy, [True] * 118 + [False, False])
    assert level is P and stats.evidence.success_rate > 0.95  # history alone would keep it
    # three failures (85 %): below both bars
    level, _ = replay(strategy, [True] * 117 + [False] * 3)
    assert level is U


def test_one_bad_run_does_not_demote_a_short_window() -> None:
    strategy = RelaxedTrustStrategy()  # provisional after 3 runs
    level, stats = replay(strategy, [True, True, True, False])
    assert len(stats.evidence.recent) == 4 < strategy.min_recent
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
        return T if stats.evidence.successes >= 2 else current

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


# -- independent evidence ---------------------------------------------------------------------


def test_calls_are_not_evidence() -> None:
    """A thousand recorded calls (``stats.executions``) earn nothing: strategies read
    only ``stats.evidence`` (one run per independent execution)."""
    stats = SkillStats()
    for _ in range(1000):
        stats = apply_run(stats, RunRecord(success=True))
    assert stats.executions == 1000 and stats.evidence == TrustEvidence()
    for strategy in (DefaultTrustStrategy(), RelaxedTrustStrategy(), CustomTrustStrategy()):
        assert strategy.evaluate(stats, U) is U


@pytest.mark.parametrize(
    ("strategy", "runs", "requests", "users", "expected"),
    [
        (DefaultTrustStrategy(), 10, 2, 3, U),  # provisional needs 3 requests
        (DefaultTrustStrategy(), 10, 3, 3, P),
        (DefaultTrustStrategy(), 100, 9, 3, P),  # trusted needs 10 requests
        (DefaultTrustStrategy(), 100, 10, 1, P),  # ... and 2 users besides the author
        (DefaultTrustStrategy(), 100, 10, 2, T),
        (RelaxedTrustStrategy(), 3, 1, 1, U),  # one conversation earns nothing
        (RelaxedTrustStrategy(), 3, 2, 1, P),
        (RelaxedTrustStrategy(), 10, 2, 1, P),  # trusted needs 3 requests
        (RelaxedTrustStrategy(), 10, 3, 1, T),  # ... but no second user
    ],
)
def test_levels_need_distinct_requests_and_users(
    strategy: TrustStrategy, runs: int, requests: int, users: int, expected: TrustLevel
) -> None:
    assert replay(strategy, [True] * runs, requests=requests, users=users)[0] is expected


def test_anonymous_runs_never_make_a_second_user() -> None:
    level, stats = replay(DefaultTrustStrategy(), [True] * 200, users=0)
    assert stats.evidence.users == [] and level is P


def test_distinct_days_are_configurable() -> None:
    strategy = CustomTrustStrategy(
        provisional=Threshold(3, 0.8, min_days=2), trusted=Threshold(6, 0.9, min_days=3)
    )
    assert replay(strategy, [True] * 10, days=1)[0] is U
    assert replay(strategy, [True] * 10, days=2)[0] is P
    assert replay(strategy, [True] * 10, days=3)[0] is T


def test_distinct_keys_are_capped() -> None:
    from codemode_skills.records import EVIDENCE_CAP

    _, stats = replay(DefaultTrustStrategy(), [True] * (EVIDENCE_CAP + 40), users=EVIDENCE_CAP * 2)
    evidence = stats.evidence
    assert evidence.runs == EVIDENCE_CAP + 40
    assert len(evidence.requests) == len(evidence.users) == EVIDENCE_CAP
    with pytest.raises(ValueError):
        Threshold(10, 0.9, min_users=EVIDENCE_CAP + 1)
    with pytest.raises(ValueError):
        Threshold(10, 0.9, min_requests=-1)


def test_author_runs_are_off_by_default() -> None:
    assert DefaultTrustStrategy().count_author is False
    assert CustomTrustStrategy(count_author=True).count_author is True


@pytest.mark.parametrize(
    ("policy", "unattended", "allow_untrusted", "least", "approval"),
    [
        (TrustPolicy(), False, False, U, False),
        (TrustPolicy(), True, False, P, False),
        (TrustPolicy(require_review=True), False, False, U, False),
        (TrustPolicy(require_review=True), True, False, T, True),
        (TrustPolicy(require_review=True), True, True, U, False),
        (TrustPolicy(min_trust=P), False, False, P, False),
    ],
)
def test_least_trust_is_the_one_rule_of_the_gate(
    policy: TrustPolicy, unattended: bool, allow_untrusted: bool, least: TrustLevel, approval: bool
) -> None:
    caller = Caller(unattended=unattended, allow_untrusted=allow_untrusted)
    assert policy.least_trust(caller) is least
    assert policy.needs_approval(caller) is approval
