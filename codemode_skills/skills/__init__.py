"""Skills: the model, the manager, the model-facing tools, nested skill calls."""

from ..records import (
    RunRecord,
    SearchHit,
    Skill,
    SkillChanges,
    SkillSpec,
    SkillStats,
    SkillStatus,
    SkillVersion,
)
from .calls import CallContext
from .manager import SkillManager

__all__ = [
    "CallContext",
    "RunRecord",
    "SearchHit",
    "Skill",
    "SkillChanges",
    "SkillManager",
    "SkillSpec",
    "SkillStats",
    "SkillStatus",
    "SkillVersion",
]
