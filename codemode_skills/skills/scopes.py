"""Skills inherit the scopes of the tools they call (``SkillManager``'s half on scopes).

A skill's required scopes are the union of the ``scopes`` of every tool its code names as
``tools.<name>`` and, transitively, of the skills it depends on. The check runs before the
skill does, so a caller without them is refused up front with the full list; the bridge
still checks each tool call at run time, which also covers tools reached dynamically
(``getattr(tools, name)``) that no static reading can see.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import ScopeDenied, SkillNotFound
from ..records import Skill
from ..security.audit import SKILL_CALL
from ..security.context import ExecutionContext
from .validation import called_tools

if TYPE_CHECKING:
    from .manager import SkillManager

    _Base = SkillManager
else:
    _Base = object


class ScopeMixin(_Base):
    """Required scopes of skills, mixed into ``SkillManager``."""

    async def required_scopes(self, skill: Skill | str) -> frozenset[str]:
        """The scopes a caller needs to run ``skill`` (tools it calls, and its dependencies')."""
        if isinstance(skill, str):
            skill = await self.get(skill)
        tools = self.code_mode.tools
        required: set[str] = set()
        seen: set[str] = set()
        pending = [skill]
        while pending:
            current = pending.pop()
            if current.name in seen:
                continue
            seen.add(current.name)
            for name in called_tools(current.code):
                if name in tools:
                    required |= tools[name].scopes
            for dep in current.depends_on:
                if dep not in seen:
                    try:
                        pending.append(await self.get(dep))
                    except SkillNotFound:  # deleted since: its call will fail on its own
                        continue
        return frozenset(required)

    async def check_scopes(self, skill: Skill, identity: ExecutionContext | None) -> None:
        """Raise (and audit) ``ScopeDenied`` unless ``identity`` grants every required scope."""
        required = await self.required_scopes(skill)
        granted = identity.scopes if identity is not None else frozenset()
        missing = sorted(required - granted)
        if not missing:
            return
        self.auditor.record(SKILL_CALL, context=identity, tenant=self.tenant, target=skill.name,
                            outcome="refused", error="ScopeDenied", missing=missing)  # fmt: skip
        raise ScopeDenied(
            f"skill {skill.name} calls tools that need scope(s) {', '.join(missing)}, "
            "which this caller does not have"
        )
