"""Skills, one way: ``SkillLibrary`` (stored skills and their trust) <- ``SkillManager``
(runs them) <- ``SkillToolset`` (what a model sees of them)."""

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
from .calls import CallContext, Caller
from .library import SkillLibrary
from .manager import SkillManager
from .targets import SkillTarget
from .toolset import SkillToolset

__all__ = [
    "CallContext",
    "Caller",
    "RunRecord",
    "SearchHit",
    "Skill",
    "SkillChanges",
    "SkillLibrary",
    "SkillManager",
    "SkillSpec",
    "SkillStats",
    "SkillStatus",
    "SkillTarget",
    "SkillToolset",
    "SkillVersion",
]
