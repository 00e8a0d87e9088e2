"""Independent executions: what counts as one run toward trust, and who made a skill.

Every skill call belongs to one *root execution*: the top-level program
(``SkillManager.execute``) or direct call (``SkillManager.call``) that started it. Nested
skill runs, tool calls of the program and registrations it makes (their test runs too)
all belong to the same root, found through ``Caller.root`` or, for calls that arrive
through the bridge, the context variable this module sets around the execution. When the
root ends, each skill version it used contributes one verdict (a failure if any call
failed) that ``verdicts.TrustKeeper.settle`` may count as evidence.
"""

from __future__ import annotations

import contextvars
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from ..records import Evidence, Skill, SkillOrigin, new_id, utcnow
from ..security.context import ExecutionContext

_ROOT: contextvars.ContextVar[RootExecution | None] = contextvars.ContextVar(
    "codemode_skills_root_execution", default=None
)


def digest(key: str) -> str:
    """What evidence stores of a request or user: short, fixed-size, not the raw id."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


@dataclass(eq=False)
class RootExecution:
    """One independent execution and the outcome of each skill version it ran.

    ``request`` is the identity's ``request_id``, else the caller's ``conversation``,
    else the execution itself. ``counts`` is false for roots that are no evidence at all
    (a registration's test run outside any execution)."""

    key: str
    request: str
    user: str | None
    counts: bool = True
    closed: bool = False
    outcomes: dict[tuple[str, int], bool] = field(default_factory=dict)
    latest: dict[tuple[str, int], Skill] = field(default_factory=dict)

    @classmethod
    def start(
        cls, identity: ExecutionContext | None, conversation: str | None, *, counts: bool
    ) -> RootExecution:
        key = new_id()
        request = identity.request_id if identity is not None else conversation
        user = identity.user if identity is not None else None
        return cls(key=key, request=request or key, user=user, counts=counts)

    def note(self, ran: Skill, success: bool, stored: Skill) -> None:
        """One call of version ``ran`` ended (``stored``: the skill after its stats were
        recorded). A late call, after the root ended, is in the stats but no evidence."""
        if self.closed:
            return
        key = (ran.name, ran.version)
        self.outcomes[key] = self.outcomes.get(key, True) and success
        self.latest[key] = stored if stored.version == ran.version else ran

    def verdicts(self) -> list[tuple[Skill, bool]]:
        """Close the root; each skill version it ran, with the execution's outcome."""
        self.closed = True
        return [(self.latest[key], ok) for key, ok in self.outcomes.items()]

    def evidence(self, skill: Skill, success: bool, *, count_author: bool) -> Evidence | None:
        """The run this execution contributes to ``skill``'s trust, or None when it is no
        independent evidence: the execution or request that made the behaviour, or (unless
        ``count_author``) its author. The author never counts as a distinct user."""
        origin = skill.origin or SkillOrigin()
        if self.key == origin.execution or self.request == origin.request:
            return None
        author = self.user is not None and self.user == origin.user
        if author and not count_author:
            return None
        user = None if author or self.user is None else digest(self.user)
        return Evidence(
            version=skill.version,
            success=success,
            request=digest(self.request),
            user=user,
            day=utcnow().date().isoformat(),
        )


def current_root() -> RootExecution | None:
    """The root execution whose call is running now (None outside any)."""
    return _ROOT.get()


@contextmanager
def entered(root: RootExecution | None) -> Iterator[None]:
    """Make ``root`` the current root for this block: a program's bridge snapshots the
    context when the execution starts, so every call the program makes sees it."""
    token = _ROOT.set(root)
    try:
        yield
    finally:
        _ROOT.reset(token)


def origin_of(identity: ExecutionContext | None, conversation: str | None) -> SkillOrigin:
    """Who makes a skill's behaviour now: the running root execution (a program calling
    ``register_skill``), else the acting identity's request, else the session."""
    root = _ROOT.get()
    user = identity.user if identity is not None else None
    if root is not None:
        return SkillOrigin(execution=root.key, request=root.request, user=user or root.user)
    request = identity.request_id if identity is not None else conversation
    return SkillOrigin(execution=None, request=request, user=user)
