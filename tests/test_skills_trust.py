"""SkillManager: trust follows the runs; the gates it sets; review; edits restart it."""

from __future__ import annotations

from typing import Any

import pytest

from codemode_skills.errors import SkillConflict, SkillNotAllowed, SkillValidationError, ToolError
from codemode_skills.events import Event
from codemode_skills.skills import Caller, SkillStatus
from codemode_skills.trust import CustomTrustStrategy, RelaxedTrustStrategy, TrustLevel, TrustPolicy
from tests.skill_cases import BASKET, cm, events, make, types

__all__ = ["cm", "events"]  # fixtures, used by name


# -- trust -------------------------------------------------------------------------------


async def test_promotion_emits_trust_changed(cm: Any, events: list[Event]) -> None:
    manager = make(cm, trust_strategy=RelaxedTrustStrategy())
    await manager.register(BASKET)
    for _ in range(3):
        await manager.call("basket_total", {"items": ["apple"]})
    assert (await manager.get("basket_total")).trust is TrustLevel.PROVISIONAL
    changes = [e.data for e in events if e.type == "skill:trust_changed"]
    assert changes == [
        {
            "tenant": "acme",
            "name": "basket_total",
            "old": "untrusted",
            "new": "provisional",
            "reason": "promoted",
        }
    ]


async def test_demotion_through_the_manager(cm: Any, events: list[Event]) -> None:
    strategy = CustomTrustStrategy(provisional=(1, 0.5), trusted=(2, 0.5), min_recent=4)
    manager = make(cm, trust_strategy=strategy)
    await manager.register(BASKET)
    for _ in range(2):
        await manager.call("basket_total", {"items": ["apple"]})
    assert (await manager.get("basket_total")).trust is TrustLevel.TRUSTED
    for _ in range(3):
        with pytest.raises(ToolError):
            await manager.call("basket_total", {"items": ["durian"]})
    assert (await manager.get("basket_total")).trust is TrustLevel.UNTRUSTED  # 2/5 < 50 %
    reasons = [e.data["reason"] for e in events if e.type == "skill:trust_changed"]
    assert reasons[-1] == "demoted"


async def test_unattended_runs_need_trust(cm: Any) -> None:
    manager = make(cm, trust_strategy=RelaxedTrustStrategy())
    await manager.register(BASKET)
    robot = Caller(unattended=True, caller="nightly-job")
    with pytest.raises(SkillNotAllowed, match="unattended"):
        await manager.call("basket_total", {"items": ["apple"]}, context=robot)
    result = await manager.execute("return await skills.basket_total(items=[])", context=robot)
    assert result.error is not None and "unattended" in result.error.message
    assert (await manager.get("basket_total")).stats.executions == 0  # refused, not run
    brave = Caller(unattended=True, allow_untrusted=True)
    assert await manager.call("basket_total", {"items": ["apple"]}, context=brave) == 1.5
    for _ in range(2):  # attended runs earn provisional (relaxed: 3 runs)
        await manager.call("basket_total", {"items": ["apple"]})
    assert await manager.call("basket_total", {"items": ["pear"]}, context=robot) == 2.0
    runs = await manager.runs("basket_total", 1)
    assert runs[0].caller == "nightly-job"


async def test_promotion_to_trusted_waits_for_review(cm: Any, events: list[Event]) -> None:
    strategy = CustomTrustStrategy(provisional=(1, 0.5), trusted=(3, 0.5))
    manager = make(cm, trust_strategy=strategy, policy=TrustPolicy(require_review=True))
    await manager.register(BASKET)
    for _ in range(4):
        await manager.call("basket_total", {"items": ["apple"]})
    held = await manager.get("basket_total")
    assert held.trust is TrustLevel.PROVISIONAL and held.status is SkillStatus.PENDING_REVIEW
    assert [s.name for s in await manager.pending_reviews()] == ["basket_total"]
    assert types(events).count("skill:review_requested") == 1
    approved = await manager.approve("basket_total", reviewer="root")
    assert approved.trust is TrustLevel.TRUSTED and approved.status is SkillStatus.ACTIVE
    with pytest.raises(SkillConflict):
        await manager.approve("basket_total", reviewer="root")  # nothing is pending
    await manager.reject("basket_total", reviewer="root", reason="leaks prices")
    with pytest.raises(SkillNotAllowed, match="rejected"):
        await manager.call("basket_total", {"items": ["apple"]})


async def test_update_and_rollback_restart_trust(cm: Any, events: list[Event]) -> None:
    manager = make(cm, trust_strategy=RelaxedTrustStrategy())
    await manager.register(BASKET)
    for _ in range(3):
        await manager.call("basket_total", {"items": ["apple"]})
    v2 = await manager.update("basket_total", {"code": "return 0"}, note="stub")
    assert v2.version == 2 and v2.trust is TrustLevel.UNTRUSTED and v2.stats.executions == 0
    assert await manager.call("basket_total", {"items": ["apple"]}) == 0
    with pytest.raises(SkillValidationError):  # a bad edit stores nothing
        await manager.update("basket_total", {"code": "return ("})
    v3 = await manager.rollback("basket_total", 1)
    assert v3.version == 3 and v3.code == BASKET["code"]
    assert await manager.call("basket_total", {"items": ["apple"]}) == 1.5
    assert [v.version for v in await manager.versions("basket_total")] == [1, 2, 3]
    assert "skill:updated" in types(events)
