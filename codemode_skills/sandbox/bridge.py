"""The host end of tool calls: dispatch, validation, events, and error shaping.

Both drivers hand every ``tools.x(...)``/``skills.x(...)`` call of a program to a
``Bridge``. Whatever goes wrong on the host side comes back to the program as a
``BridgeError`` carrying only a type name and a host-path-free message.

With an ``ExecutionContext`` the bridge authorizes each call before it runs: the
execution token the call carries must verify (signature, expiry, this execution's request
id) and grant the scopes the tool declares; refusals reach the program as
``PermissionDenied`` and the audit log as ``refused``.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from ..errors import PermissionDenied, ScopeDenied, TokenError, ToolError, ToolValidationError
from ..events import EventHub, EventType
from ..security.audit import AuditAction, Auditor
from ..security.callscope import enter_execution
from ..security.context import call_context
from .jail.runtime import scrub
from .jail.wire import POSITIONAL

if TYPE_CHECKING:
    from ..security.context import ExecutionContext
    from ..security.tokens import TokenSigner


class CallTarget(Protocol):
    """What the bridge can call: a ``Tool``, or a skill adapter with the same shape."""

    name: str

    async def invoke(self, args: dict[str, Any], *, positional: Sequence[Any] = ()) -> Any:
        """Run the call; ``positional``: the program's positional arguments, which the
        target binds to its parameters (only it knows their order)."""


def _split(args: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    """A call's keyword arguments and the positional ones the program packed under the
    wire's key (events and audit records keep the call as the program made it)."""
    if POSITIONAL not in args:
        return args, ()
    keywords = dict(args)
    return keywords, keywords.pop(POSITIONAL)


class BridgeError(Exception):
    def __init__(self, type_: str, message: str) -> None:
        super().__init__(message)
        self.type = type_
        self.message = message


class Bridge:
    """Routes the calls of one execution to the host's tools (and skills)."""

    def __init__(
        self,
        tools: Mapping[str, CallTarget],
        skills: Mapping[str, CallTarget] | None = None,
        events: EventHub | None = None,
        execution_id: str = "",
        *,
        context: ExecutionContext | None = None,
        signer: TokenSigner | None = None,
        auditor: Auditor | None = None,
    ) -> None:
        # ``skills`` may be a live mapping (``SkillManager``'s): it is consulted per call,
        # so a skill registered during the run resolves.
        self._targets: dict[str, Mapping[str, CallTarget]] = {
            "tools": dict(tools),
            "skills": skills if skills is not None else {},
        }
        self.events = events or EventHub()
        self.execution_id = execution_id
        self.context = context
        self.auditor = auditor or Auditor(None)
        # the token this execution's calls must carry (None: nothing to verify)
        self.signer = signer if context is not None else None
        self.token = signer.issue(context) if self.signer is not None and context else None
        #: The context every call of this execution runs in (see ``dispatch_context``).
        self._calls_context = call_context(context)
        # this execution's blocking tool calls share one budget of their own
        self._calls_context.run(enter_execution)
        self._verified: tuple[str, dict[str, Any]] | None = None
        self._checks = (
            self.signer is not None
            or context is not None
            or bool(self.auditor)
            or any(getattr(t, "scopes", None) for t in self._targets["tools"].values())
        )

    @property
    def tool_names(self) -> list[str]:
        return list(self._targets["tools"])

    @property
    def skill_names(self) -> list[str]:
        return list(self._targets["skills"])

    def console(self, text: str) -> None:
        self.events.emit(EventType.CONSOLE, execution_id=self.execution_id, text=text)

    def dispatch_context(self) -> contextvars.Context:
        """A fresh copy of this execution's call context: drivers run each call in one
        (``ctx.run(bridge.call_inline, ...)``, ``create_task(bridge.call(...),
        context=...)``), so a tool reads this execution's identity, never the ambient
        context of whatever callback delivered the call. A copy per call keeps one
        call's context-variable changes from leaking into the next."""
        return self._calls_context.copy()

    def can_inline(self, kind: str, name: str) -> bool:
        """Whether a call can be answered synchronously (a plain sync tool)."""
        target = self._targets.get(kind, {}).get(name)
        return bool(getattr(target, "inline", False))

    def call_inline(
        self, kind: str, name: str, args: dict[str, Any], token: str | None = None
    ) -> Any:
        """``call`` for targets where ``can_inline`` is true."""
        target = self._targets[kind][name]
        started = self._started(kind, name, args)
        if self._checks:
            self._check(kind, name, target, token, started, args)
        args, positional = _split(args)
        try:
            value = target.invoke_inline(args, positional=positional)  # type: ignore[attr-defined]
        except Exception as exc:
            raise self._failed(kind, name, exc, started, args) from None
        return self._finished(kind, name, value, started, args)

    async def call(
        self, kind: str, name: str, args: dict[str, Any], token: str | None = None
    ) -> Any:
        """Run one call of the program. ``token``: what the call carried (a driver whose
        sandbox is in this process passes ``self.token``)."""
        target = self._targets.get(kind, {}).get(name)
        if target is None:
            raise BridgeError("ToolError", f"there is no {kind[:-1]} named {name!r}")
        started = self._started(kind, name, args)
        if self._checks:
            self._check(kind, name, target, token, started, args)
        args, positional = _split(args)
        try:
            value = await target.invoke(args, positional=positional)
        except Exception as exc:
            raise self._failed(kind, name, exc, started, args) from None
        return self._finished(kind, name, value, started, args)

    def _check(
        self,
        kind: str,
        name: str,
        target: CallTarget,
        token: str | None,
        started: float,
        args: dict[str, Any],
    ) -> None:
        try:
            self._authorize(kind, target, token)
        except PermissionDenied as exc:
            if self.auditor and kind != "tools":  # (tools are audited by _failed)
                self._audit(
                    name, "refused", started, args, kind=kind, error=f"PermissionDenied: {exc}"
                )
            raise self._failed(kind, name, exc, started, args) from None

    def _authorize(self, kind: str, target: CallTarget, token: str | None) -> None:
        """Raise ``PermissionDenied`` unless the call's token and scopes allow it."""
        context = self.context
        if self.signer is not None and context is not None:
            if token is None:
                raise TokenError("the call carries no execution token")
            if self._verified is not None and self._verified[0] == token:
                claims = self._verified[1]  # same bytes, same signature: checked already
            else:
                claims = self.signer.claims(token)
                self._verified = (token, claims)
            self.signer.check_expiry(claims)
            if claims.get("jti") != context.request_id:
                raise TokenError("the execution token belongs to another execution")
            granted = frozenset(str(claims.get("scope") or "").split())
        else:
            granted = context.scopes if context is not None else frozenset()
        needed: frozenset[str] = getattr(target, "scopes", frozenset())
        if kind == "tools" and needed and not needed <= granted:
            missing = ", ".join(sorted(needed - granted))
            raise ScopeDenied(f"{target.name}() needs scope(s) {missing}")

    def _started(self, kind: str, name: str, args: dict[str, Any]) -> float:
        # Skill calls report themselves (code_mode:skill_*), on every path they run by.
        if self.events.active and kind == "tools":
            self.events.emit(
                EventType.TOOL_CALL, execution_id=self.execution_id, kind=kind, name=name, args=args
            )
        return time.perf_counter()

    def _finished(
        self, kind: str, name: str, value: Any, started: float, args: dict[str, Any]
    ) -> Any:
        if self.auditor and kind == "tools":
            self._audit(name, "ok", started, args)
        if self.events.active and kind == "tools":
            self.events.emit(
                EventType.TOOL_RESULT,
                execution_id=self.execution_id,
                kind=kind,
                name=name,
                duration_ms=(time.perf_counter() - started) * 1000,
            )
        return value

    def _failed(
        self, kind: str, name: str, exc: Exception, started: float, args: dict[str, Any]
    ) -> BridgeError:
        """Shape any failure of a target as the BridgeError the program will see."""
        if isinstance(exc, PermissionDenied):
            type_, message = "PermissionDenied", str(exc)
        elif isinstance(exc, ToolValidationError):
            type_, message = "ToolValidationError", str(exc)
        elif isinstance(exc, ToolError):
            type_, message = "ToolError", str(exc)
        else:  # a target outside our Tool class
            type_, message = "ToolError", f"{name}() failed: {type(exc).__name__}: {exc}"
        self._error(kind, name, type_, message, started)
        if self.auditor and kind == "tools":
            outcome = "refused" if type_ == "PermissionDenied" else "error"
            self._audit(name, outcome, started, args, error=f"{type_}: {message}"[:500])
        return BridgeError(type_, scrub(message))

    def _audit(
        self, name: str, outcome: Any, started: float, args: dict[str, Any], **detail: Any
    ) -> None:
        target = self._targets["tools"].get(name) if detail.get("kind") is None else None
        redaction = getattr(target, "redaction", None)
        self.auditor.record(
            AuditAction.TOOL_CALL,
            context=self.context,
            outcome=outcome,
            target=name,
            duration_ms=round((time.perf_counter() - started) * 1000, 3),
            execution_id=self.execution_id,
            args=redaction.apply(args) if redaction is not None else sorted(args),
            **detail,
        )

    def _error(self, kind: str, name: str, type_: str, message: str, started: float) -> None:
        if kind != "tools":
            return
        self.events.emit(
            EventType.TOOL_ERROR,
            execution_id=self.execution_id,
            kind=kind,
            name=name,
            error={"type": type_, "message": message},
            duration_ms=(time.perf_counter() - started) * 1000,
        )
