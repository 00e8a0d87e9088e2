"""``Caller``: who calls a skill, and the chain of skills already running.

Every path a skill runs by (``skills.x()`` inside a program, a skill called as a tool,
``SkillManager.call``) ends in ``SkillManager.call`` with a ``Caller``, so trust gates,
cycle detection, the depth limit and run stats apply the same way on each.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

from ..errors import SkillError, SkillValidationError, ToolError, ToolValidationError
from ..security.context import ExecutionContext
from .evidence import RootExecution, current_root


@dataclass(frozen=True)
class Caller:
    """Who is calling, and the chain of skills already running.

    ``unattended``: no human is watching (scheduled jobs, autonomous agents); the trust
    policy may then refuse low-trust skills. ``allow_untrusted``: the caller explicitly
    accepts running skills below the policy's bar. ``caller``: recorded with each run.
    ``identity``: the tenant/user/scopes/request the call acts for; the manager resolves
    it once per public call (see ``SkillLibrary``) and the nested runs carry it along.
    ``conversation``: the session these calls belong to, for trust's "distinct requests"
    when there is no identity (whose ``request_id`` says it otherwise);
    ``code_mode_with_skills`` sets one per session. ``root``: set by the manager, never
    by callers: the independent execution (a top-level program or direct call) the call
    is part of, which counts at most once toward trust.
    """

    unattended: bool = False
    allow_untrusted: bool = False
    caller: str | None = None
    stack: tuple[str, ...] = ()
    identity: ExecutionContext | None = None
    conversation: str | None = None
    root: RootExecution | None = None

    def enter(self, name: str) -> Caller:
        return replace(self, stack=(*self.stack, name))

    def chain(self, name: str) -> str:
        return " -> ".join((*self.stack, name))

    def rooted(self, *, counts: bool) -> tuple[Caller, RootExecution | None]:
        """This caller with its root execution, and the root if this call starts it (the
        caller then settles it when done). A root already on the caller or in the calling
        execution is kept: a call can never make itself a new independent execution."""
        if self.root is not None:
            return self, None
        ambient = current_root()
        if ambient is not None:
            return replace(self, root=ambient), None
        root = RootExecution.start(self.identity, self.conversation, counts=counts)
        return replace(self, root=root), root


#: The name ``Caller`` had until 0.1; kept for one release.
CallContext = Caller


@contextmanager
def tool_errors() -> Iterator[None]:
    """A skill operation's refusal as the error a model or a program gets: the one place
    ``SkillError`` becomes ``ToolError`` (``ToolValidationError`` for a refused
    registration, which lists every problem)."""
    try:
        yield
    except SkillValidationError as exc:
        raise ToolValidationError(str(exc)) from None
    except SkillError as exc:  # not found, not allowed, cycle, depth: a clean message
        raise ToolError(str(exc)) from None
