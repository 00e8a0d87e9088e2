"""What trust gates: which skills may run for which caller, and the review hold."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import SkillNotAllowed
from .levels import TrustLevel

if TYPE_CHECKING:  # skills.model imports trust.levels: no import cycle at run time
    from ..skills.model import Skill


@dataclass(frozen=True)
class TrustPolicy:
    """The rules ``SkillManager`` enforces around trust.

    - ``require_review``: a promotion to ``trusted`` is held: the skill's status becomes
      ``pending_review`` (it keeps running at its current level) until an administrator
      approves (``SkillManager.approve``) or rejects it.
    - ``min_trust``: the least trust a skill needs to run for an attended caller.
    - ``unattended_min_trust``: the same for unattended callers (scheduled jobs, agents
      running without a human watching). A caller may pass ``allow_untrusted=True`` to run
      below these levels: the caller, not the skill, decides to take the risk.
    """

    require_review: bool = False
    min_trust: TrustLevel = TrustLevel.UNTRUSTED
    unattended_min_trust: TrustLevel = TrustLevel.PROVISIONAL

    def check_run(self, skill: Skill, *, unattended: bool, allow_untrusted: bool) -> None:
        """Raise ``SkillNotAllowed`` if ``skill`` may not run for this caller."""
        if skill.status == "rejected":
            raise SkillNotAllowed(f"skill {skill.name!r} was rejected by an administrator")
        if allow_untrusted:
            return
        need = self.unattended_min_trust if unattended else self.min_trust
        if skill.trust < need:
            who = "unattended runs" if unattended else "runs"
            raise SkillNotAllowed(
                f"skill {skill.name!r} is {skill.trust.value}; {who} need {need.value} "
                "(the caller can allow untrusted skills explicitly)"
            )
