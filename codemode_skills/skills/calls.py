"""How a skill call is made: the caller's context and the bridge's view of skills.

Every path a skill runs by (``skills.x()`` inside a program, a skill exposed as a tool,
``SkillManager.call``) ends in ``SkillManager.call`` with a ``CallContext``, so trust
gates, cycle detection, the depth limit and run stats apply the same way on each.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from ..errors import SkillError, ToolError
from ..security.context import ExecutionContext

if TYPE_CHECKING:
    from .evidence import RootExecution
    from .manager import SkillManager


@dataclass(frozen=True)
class CallContext:
    """Who is calling, and the chain of skills already running.

    ``unattended``: no human is watching (scheduled jobs, autonomous agents); the trust
    policy may then refuse low-trust skills. ``allow_untrusted``: the caller explicitly
    accepts running skills below the policy's bar. ``caller``: recorded with each run.
    ``identity``: the tenant/user/scopes/request the call acts for (nested skill runs and
    their tool calls carry it along). ``conversation``: the session these calls belong
    to, for trust's "distinct requests" when there is no identity (whose ``request_id``
    says it otherwise); ``code_mode_with_skills`` sets one per session. ``root``: set by
    ``SkillManager``, never by callers: the independent execution (a top-level program
    or direct call) the call is part of, which counts at most once toward trust.
    """

    unattended: bool = False
    allow_untrusted: bool = False
    caller: str | None = None
    stack: tuple[str, ...] = ()
    identity: ExecutionContext | None = None
    conversation: str | None = None
    root: RootExecution | None = None

    def enter(self, name: str) -> CallContext:
        return replace(self, stack=(*self.stack, name))

    def chain(self, name: str) -> str:
        return " -> ".join((*self.stack, name))


class SkillTarget:
    """What the bridge calls for ``skills.<name>(...)``: the manager, in a context."""

    inline = False

    def __init__(self, manager: SkillManager, name: str, context: CallContext) -> None:
        self.name = name
        self._manager = manager
        self._context = context

    async def invoke(self, args: dict[str, Any]) -> Any:
        try:
            return await self._manager.call(self.name, args, context=self._context)
        except SkillError as exc:  # not found, not allowed, cycle, depth: a clean message
            raise ToolError(str(exc)) from None


class LiveSkills(Mapping[str, SkillTarget]):
    """The bridge's table of skills: any name resolves, the manager decides per call.

    So a skill registered during a run is callable later in the same run, and nothing is
    loaded from storage for a program that calls no skill. Iteration yields ``known``
    (what ``dir(skills)`` shows in the sandbox)."""

    def __init__(
        self, manager: SkillManager, context: CallContext, known: tuple[str, ...] = ()
    ) -> None:
        self._manager = manager
        self._context = context
        self._known = known

    def __getitem__(self, name: str) -> SkillTarget:
        return SkillTarget(self._manager, name, self._context)

    def __iter__(self) -> Iterator[str]:
        return iter(self._known)

    def __len__(self) -> int:
        return len(self._known)
