"""What trust gates: which skills may run for which caller, and the review hold."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ..errors import SkillNotAllowed
from ..records import Skill, TrustLevel


class RunFlags(Protocol):
    """What the policy reads of a caller (``skills.Caller`` has both)."""

    @property
    def unattended(self) -> bool: ...

    @property
    def allow_untrusted(self) -> bool: ...


@dataclass(frozen=True)
class TrustPolicy:
    """The rules ``SkillManager`` enforces around trust.

    - ``require_review``: a promotion to ``trusted`` is held: the skill's status becomes
      ``pending_review`` (it keeps running at its current level) until an administrator
      approves (``SkillLibrary.approve``) or rejects it. ``trusted`` then means
      *approved*, and unattended callers need it: a level the strategy grants on runs
      alone (``provisional``) is not enough to run with nobody watching. A description,
      hint or tag edit of a trusted skill sends it back to review.
    - ``min_trust``: the least trust a skill needs to run for an attended caller.
    - ``unattended_min_trust``: the same for unattended callers (scheduled jobs, agents
      running without a human watching); raised to ``trusted`` (approved, active) by
      ``require_review``. A caller may pass ``allow_untrusted=True`` to run below these
      levels: the caller, not the skill, decides to take the risk.
    """

    require_review: bool = False
    min_trust: TrustLevel = TrustLevel.UNTRUSTED
    unattended_min_trust: TrustLevel = TrustLevel.PROVISIONAL

    def needs_approval(self, caller: RunFlags) -> bool:
        """Whether ``caller`` may only run approved skills (trusted and active)."""
        return caller.unattended and self.require_review and not caller.allow_untrusted

    def least_trust(self, caller: RunFlags) -> TrustLevel:
        """The least trust a skill needs to run for ``caller``: the one rule the trust
        gate (``check_run``) and skill selection both apply."""
        if caller.allow_untrusted:
            return TrustLevel.UNTRUSTED
        if self.needs_approval(caller):
            return TrustLevel.TRUSTED
        return self.unattended_min_trust if caller.unattended else self.min_trust

    def check_run(self, skill: Skill, caller: RunFlags) -> None:
        """Raise ``SkillNotAllowed`` if ``skill`` may not run for ``caller``."""
        if skill.status == "rejected":
            raise SkillNotAllowed(f"skill {skill.name!r} was rejected by an administrator")
        need = self.least_trust(caller)
        approval = self.needs_approval(caller)
        who = "unattended runs" if caller.unattended else "runs"
        escape = "(the caller can allow untrusted skills explicitly)"
        if skill.trust < need:
            what = f"{need.value}, approved by a reviewer" if approval else need.value
            raise SkillNotAllowed(
                f"skill {skill.name!r} is {skill.trust.value}; {who} need {what} {escape}"
            )
        if approval and skill.status != "active":
            raise SkillNotAllowed(
                f"skill {skill.name!r} is {skill.status.value}; {who} need a skill approved "
                f"by a reviewer {escape}"
            )
