"""Skills: the model, the manager, the model-facing tools, nested skill calls."""

from .calls import CallContext
from .manager import SkillManager
from .model import (
    RunRecord,
    SearchHit,
    Skill,
    SkillChanges,
    SkillSpec,
    SkillStats,
    SkillStatus,
    SkillVersion,
)

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
