"""What trust gates: which skills may run for which caller, and the review hold."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import SkillNotAllowed
from ..records import Skill, TrustLevel


@dataclass(frozen=True)
class TrustPolicy:
    """The rules ``SkillManager`` enforces around trust.

    - ``require_review``: a promotion to ``trusted`` is held: the skill's status becomes
      ``pending_review`` (it keeps running at its current level) until an administrator
      approves (``SkillManager.approve``) or rejects it. ``trusted`` then means
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

    def needs_approval(self, *, unattended: bool) -> bool:
        """Whether this caller may only run approved skills (trusted and active)."""
        return unattended and self.require_review

    def required_trust(self, *, unattended: bool) -> TrustLevel:
        """The least trust a skill needs for this caller (``allow_untrusted`` aside).

        The one rule ``check_run`` and skill selection both apply."""
        if self.needs_approval(unattended=unattended):
            return TrustLevel.TRUSTED
        return self.unattended_min_trust if unattended else self.min_trust

    def check_run(self, skill: Skill, *, unattended: bool, allow_untrusted: bool) -> None:
        """Raise ``SkillNotAllowed`` if ``skill`` may not run for this caller."""
        if skill.status == "rejected":
            raise SkillNotAllowed(f"skill {skill.name!r} was rejected by an administrator")
        if allow_untrusted:
            return
        need = self.required_trust(unattended=unattended)
        approval = self.needs_approval(unattended=unattended)
        who = "unattended runs" if unattended else "runs"
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
