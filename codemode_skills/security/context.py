"""``ExecutionContext``: who is acting, for which tenant, with which scopes, in which request.

One context travels with an execution: the bridge checks every tool call against its
scopes, skill calls carry it into the nested runs, ``SkillManager`` refuses any storage
operation whose context names another tenant, and the audit log records it. Pass it
explicitly (``execute(code, context=ctx)``) or set it for a block of work with
``use_context(ctx)`` — e.g. around ``Agent.run`` — which every call below picks up.
"""

from __future__ import annotations

import contextvars
import re
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..errors import InvalidSkillName, ScopeDenied, TenantMismatch

#: A tenant id names a folder, a key prefix and a SQL value: no path separators, no
#: leading dot, nothing a shell or a URL would read differently.
_TENANT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}$")


def validate_tenant(tenant: object) -> str:
    """The one tenant rule: every store, context and admin page checks ids with it."""
    if not isinstance(tenant, str) or not _TENANT.fullmatch(tenant) or tenant in (".", ".."):
        raise InvalidSkillName(f"invalid tenant id {tenant!r}")
    return tenant


def new_request_id() -> str:
    return uuid.uuid4().hex


class ExecutionContext(BaseModel):
    """Immutable identity of one request: ``tenant``, ``user``, ``scopes``, ``request_id``."""

    model_config = ConfigDict(frozen=True)

    tenant: str
    user: str | None = None
    scopes: frozenset[str] = frozenset()
    request_id: str = Field(default_factory=new_request_id)

    @field_validator("tenant")
    @classmethod
    def _tenant(cls, value: str) -> str:
        return validate_tenant(value)

    def missing(self, required: Iterable[str]) -> list[str]:
        """The scopes of ``required`` this context lacks (sorted)."""
        return sorted(set(required) - self.scopes)

    def require(self, required: Iterable[str], what: str) -> None:
        """Raise ``ScopeDenied`` unless every scope of ``required`` is granted."""
        missing = self.missing(required)
        if missing:
            raise ScopeDenied(f"{what} needs scope(s) {', '.join(missing)}")

    def check_tenant(self, tenant: str) -> None:
        """Raise ``TenantMismatch`` when acting on ``tenant``'s data is not this context's."""
        if tenant != self.tenant:
            raise TenantMismatch(f"tenant {self.tenant!r} may not act on another tenant's skills")

    def who(self) -> dict[str, str | None]:
        """The fields an audit record or event carries."""
        return {"tenant": self.tenant, "user": self.user, "request_id": self.request_id}


_CURRENT: contextvars.ContextVar[ExecutionContext | None] = contextvars.ContextVar(
    "codemode_skills_execution_context", default=None
)


#: The identity of the execution whose tool call is running now. Set only by
#: ``call_context``, i.e. by the drivers around each call a program makes, so code
#: below a call can tell "the program that called me acts for X" from an ambient
#: ``use_context`` block of the application.
_EXECUTION: contextvars.ContextVar[ExecutionContext | None] = contextvars.ContextVar(
    "codemode_skills_calling_execution", default=None
)


def current_context() -> ExecutionContext | None:
    """The context set by the innermost ``use_context`` block (None outside any); inside
    a tool call a program made, the identity of that program's execution."""
    return _CURRENT.get()


def execution_identity() -> ExecutionContext | None:
    """The identity of the execution whose call is running now, or None outside calls
    (and for executions without an identity)."""
    return _EXECUTION.get()


def call_context(identity: ExecutionContext | None) -> contextvars.Context:
    """A snapshot of the caller's context for the calls of one execution.

    Drivers dispatch each call of a program inside a copy of it, so a host tool sees the
    identity of the execution that made the call, whatever request happened to start the
    driver, relaunch its template or register the socket callback the call arrived on.
    The rest of the caller's context (tracing spans, for instance) carries over."""
    snapshot = contextvars.copy_context()
    snapshot.run(_enter_execution, identity)
    return snapshot


def _enter_execution(identity: ExecutionContext | None) -> None:
    _CURRENT.set(identity)
    _EXECUTION.set(identity)


@contextmanager
def use_context(context: ExecutionContext | None) -> Iterator[ExecutionContext | None]:
    """Make ``context`` the current one for this block (and tasks started inside it);
    ``None`` leaves the current one as it is."""
    if context is None:
        yield None
        return
    if not isinstance(context, ExecutionContext):
        raise TypeError("use_context() takes an ExecutionContext")
    token = _CURRENT.set(context)
    try:
        yield context
    finally:
        _CURRENT.reset(token)


def resolve_context(explicit: ExecutionContext | None) -> ExecutionContext | None:
    """The explicit context if given, else the current one."""
    return explicit if explicit is not None else _CURRENT.get()
