"""``SkillManager``: the one place storage, trust and execution of skills meet.

The sandbox never reaches storage or trust: a program's ``skills.x()`` call crosses the
bridge to ``SkillManager.call``, which checks the trust policy, cycles and depth, runs the
skill's code in a fresh sandbox execution, validates the result, records the run and
lets the trust strategy promote or demote the skill.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import ValidationError

from ..codemode import CodeMode, create_code_mode
from ..errors import (
    SkillCallError,
    SkillExists,
    SkillNotFound,
    SkillValidationError,
    TenantMismatch,
    ToolError,
    ToolValidationError,
)
from ..events import SKILL_CALL, SKILL_ERROR, SKILL_REGISTERED, SKILL_RESULT, SKILL_UPDATED
from ..records import RunRecord, SearchHit, Skill, SkillChanges, SkillSpec, SkillVersion
from ..sandbox.result import ExecutionResult
from ..security.audit import SKILL_CALL as AUDIT_SKILL_CALL
from ..security.audit import SKILL_CHANGE, Auditor
from ..security.context import (
    ExecutionContext,
    current_context,
    execution_identity,
    use_context,
)
from ..tools.schema import SchemaValidator
from ..tools.tool import bind_positional, format_validation_error
from ..trust import DefaultTrustStrategy, TrustPolicy, TrustStrategy
from .calls import CallContext, LiveSkills
from .evidence import entered, rooted
from .reviews import TrustMixin
from .scopes import ScopeMixin
from .validation import check_content

if TYPE_CHECKING:
    from ..storage.base import SkillStorage

T = TypeVar("T")


def _error_text(result: ExecutionResult) -> str:
    err = result.error
    if err is None:
        return "failed"
    return f"{err.type}: {err.message}" + (f" (line {err.line})" if err.line else "")


class SkillManager(TrustMixin, ScopeMixin):
    """Skills of one tenant: register, find, run, and let trust follow the results.

    ``SkillManager(open_storage("sqlite:///skills.db", tenant="acme"), code_mode)``.
    ``code_mode`` runs the skills' code (with its tools available to them); without one a
    tool-less ``create_code_mode()`` is made and closed with the manager.

    Every operation acts for an ``ExecutionContext``: the ``identity`` given to a call's
    ``CallContext``, else the one set by ``use_context``, else the manager's ``identity``.
    A context of another tenant is refused (``TenantMismatch``) before storage is touched;
    skill runs need the scopes of the tools the skill calls. ``audit`` (default: the code
    mode's) records skill changes, runs, trust changes and review decisions.
    """

    def __init__(
        self,
        storage: SkillStorage,
        code_mode: CodeMode | None = None,
        *,
        trust_strategy: TrustStrategy | None = None,
        policy: TrustPolicy | None = None,
        max_depth: int = 4,
        timeout_s: float | None = None,
        context: CallContext | None = None,
        embedder: Any = None,
        identity: ExecutionContext | None = None,
        audit: Any = None,
    ) -> None:
        if max_depth < 1:
            raise ValueError("max_depth must be at least 1")
        self.storage = storage
        self._owns_code_mode = code_mode is None
        self.code_mode = code_mode if code_mode is not None else create_code_mode()
        self.strategy: TrustStrategy = trust_strategy or DefaultTrustStrategy()
        self.policy = policy or TrustPolicy()
        self.max_depth = max_depth
        self.timeout_s = timeout_s
        self.context = context or CallContext()
        self.embedder = embedder  # an Embedder: vectors are stored at registration/update
        self.events = self.code_mode.events
        self.identity = identity
        if identity is not None:
            identity.check_tenant(self.tenant)
        self.auditor = Auditor(audit) if audit is not None else self.code_mode.auditor

    @property
    def tenant(self) -> str:
        return self.storage.tenant

    def _identity(self, context: CallContext | None = None) -> ExecutionContext | None:
        """Who acts, the most explicit first: the call's own identity; the identity of
        the execution whose tool call this is (a management tool called by a program
        acts for that program's execution, never for the manager's configured identity);
        the manager's configured identity; the ambient ``use_context``."""
        if context is not None and context.identity is not None:
            return context.identity
        return execution_identity() or self.identity or current_context()

    def _guard(self, context: CallContext | None = None) -> ExecutionContext | None:
        """Refuse (and audit) an identity of another tenant before any storage access."""
        identity = self._identity(context)
        if identity is not None and identity.tenant != self.tenant:
            self.auditor.record("storage", context=identity, outcome="refused",
                                error="TenantMismatch", store_tenant=self.tenant)  # fmt: skip
            raise TenantMismatch(
                f"tenant {identity.tenant!r} may not act on another tenant's skills"
            )
        return identity

    async def _io(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Storage calls block (SQL, files, network): run them off the event loop. Every
        storage operation passes the tenant guard here first."""
        self._guard()
        return await asyncio.to_thread(functools.partial(fn, *args, **kwargs))

    def _exists(self, name: str) -> bool:
        try:
            self.storage.get(name)
        except SkillNotFound:
            return False
        return True

    async def _embed(self, skill: Skill) -> None:
        """Store the skill's vector now, so selection never embeds the library."""
        if self.embedder is None:
            return
        from ..selection.vectors import ensure_vectors

        try:
            await self._io(ensure_vectors, self.storage, self.embedder, [skill])
        except SkillNotFound:  # deleted meanwhile
            pass

    # -- registering and editing ---------------------------------------------------------
    async def _check(
        self, name: str, content: dict[str, Any], test_input: Any, *, new: bool
    ) -> list[str]:
        """Validate ``content`` (and test-run it); return the full ``depends_on``."""

        def existing(names: Iterable[str]) -> list[str]:
            return [n for n in names if self._exists(n)]

        # off the event loop, under the driver's host-compile size rule (validation.py)
        wanted = await check_content(
            name,
            content,
            tool_names=self.code_mode.tools if new else (),
            existing=lambda names: self._io(existing, names),
            programs=getattr(self.code_mode.driver, "programs", None),
        )
        if test_input is not None:
            await self._test_run(name, content, test_input)
        return wanted

    async def _test_run(self, name: str, content: dict[str, Any], test_input: Any) -> None:
        problems = await SchemaValidator(content["input_schema"]).check(test_input)
        if problems:
            raise SkillValidationError(f"test_input does not match input_schema: {problems}")
        # the test run acts for whoever registers, exactly like a call they made
        context = CallContext(
            allow_untrusted=True, caller="registration test", identity=self._identity()
        ).enter(name)
        result = await self._execute(content["code"], context, {"input": test_input})
        if not result.success:
            raise SkillValidationError(f"test run failed: {_error_text(result)}")
        problems = await SchemaValidator(content["output_schema"]).check(result.result)
        if problems:
            raise SkillValidationError(f"test run returned a result that does not match "
                                       f"output_schema: {problems}")  # fmt: skip

    async def register(
        self,
        spec: SkillSpec | Mapping[str, Any],
        *,
        author: str | None = None,
        test_input: Any = None,
    ) -> Skill:
        """Validate, optionally test-run on ``test_input``, then store version 1.

        Raises ``SkillValidationError`` (nothing stored) or ``SkillExists``."""
        if not isinstance(spec, SkillSpec):
            try:
                spec = SkillSpec.model_validate(spec)
            except ValidationError as exc:
                raise SkillValidationError(
                    f"invalid skill: {format_validation_error(exc)}",
                    [format_validation_error(exc, limit=20)],
                ) from None
        if await self._io(self._exists, spec.name):
            raise SkillExists(f"a skill named {spec.name!r} already exists; use update_skill")
        depends_on = await self._check(spec.name, spec.model_dump(), test_input, new=True)
        spec = spec.model_copy(update={"depends_on": depends_on})
        skill = await self._io(self.storage.create, spec, author=author,
                               trust=self._initial_trust(), origin=self._origin())  # fmt: skip
        await self._embed(skill)
        self.events.emit(SKILL_REGISTERED, tenant=self.tenant, name=skill.name,
                         version=skill.version, author=author, trust=skill.trust.value)  # fmt: skip
        self._audit_change(skill, "registered", author)
        await self._after_edit(None, skill)  # skills calling this name lose their standing
        return skill

    async def update(
        self,
        name: str,
        changes: SkillChanges | Mapping[str, Any],
        *,
        author: str | None = None,
        note: str | None = None,
        test_input: Any = None,
        expected_version: int | None = None,
    ) -> Skill:
        """Validate and store a new version. A behaviour change (code, schemas) restarts the
        stats at the strategy's initial trust and costs dependents their standing; a
        description edit keeps them, but with ``require_review`` a trusted skill goes back
        to review (its text reaches other users' prompts)."""
        if not isinstance(changes, SkillChanges):
            try:
                changes = SkillChanges.model_validate(changes)
            except ValidationError as exc:
                message = f"invalid changes: {format_validation_error(exc)}"
                raise SkillValidationError(message) from None
        current = await self.get(name)
        content = {**current.content(), **changes.content()}
        depends_on = await self._check(name, content, test_input, new=False)
        changes = changes.model_copy(update={"depends_on": depends_on})
        skill = await self._io(self.storage.update, name, changes, author=author, note=note,
                               trust=self._initial_trust(), origin=self._origin(),
                               review_edits=self.policy.require_review,
                               expected_version=expected_version)  # fmt: skip
        await self._changed(current, skill, note or "new version", author)
        return skill

    async def rollback(self, name: str, version: int, *, author: str | None = None) -> Skill:
        current = await self.get(name)
        skill = await self._io(self.storage.rollback, name, version, author=author,
                               trust=self._initial_trust(), origin=self._origin(),
                               review_edits=self.policy.require_review)  # fmt: skip
        await self._changed(current, skill, f"rollback to v{version}", author)
        return skill

    async def _changed(self, before: Skill, after: Skill, note: str, author: str | None) -> None:
        await self._embed(after)
        self.events.emit(SKILL_UPDATED, tenant=self.tenant, name=after.name,
                         version=after.version, note=note)  # fmt: skip
        self._audit_change(after, note, author)
        if after.trust != before.trust:
            self._trust_event(after.name, before.trust, after.trust, "new version")
        await self._after_edit(before, after)

    def _audit_change(self, skill: Skill, change: str, author: str | None) -> None:
        self.auditor.record(SKILL_CHANGE, context=self._identity(), tenant=self.tenant,
                            target=skill.name, change=change, version=skill.version,
                            author=author)  # fmt: skip

    # -- reading -------------------------------------------------------------------------
    async def get(self, name: str) -> Skill:
        return await self._io(self.storage.get, name)

    async def search(self, query: str, *, limit: int = 5, **filters: Any) -> list[SearchHit]:
        return await self._io(self.storage.search, query, limit=limit, **filters)

    async def list(self, **filters: Any) -> list[Skill]:
        return await self._io(self.storage.list, **filters)

    async def versions(self, name: str) -> list[SkillVersion]:
        return await self._io(self.storage.versions, name)

    async def get_version(self, name: str, version: int) -> SkillVersion:
        return await self._io(self.storage.get_version, name, version)

    async def delete(self, name: str) -> bool:
        deleted = await self._io(self.storage.delete, name)
        if deleted:
            self.auditor.record(SKILL_CHANGE, context=self._identity(), tenant=self.tenant,
                                target=name, change="deleted")  # fmt: skip
        return deleted

    # -- running -------------------------------------------------------------------------
    def _acting(self, context: CallContext | None) -> CallContext:
        """``context`` (or the manager's) with its identity resolved and tenant-checked."""
        ctx = context or self.context
        identity = self._guard(ctx)
        return ctx if identity is ctx.identity else replace(ctx, identity=identity)

    async def _execute(
        self, code: str, context: CallContext, globals_: dict[str, Any] | None = None,
        timeout_s: float | None = None,
    ) -> ExecutionResult:  # fmt: skip
        context, root = rooted(self._acting(context), counts=False)  # a test run: no evidence
        with entered(context.root):  # the program's calls (through the bridge) see its root
            result = await self.code_mode.execute(
                code, skills=LiveSkills(self, context), globals=globals_,
                timeout_s=timeout_s or self.timeout_s, context=context.identity,
            )  # fmt: skip
        if root is not None:
            await self._settle(root)
        return result

    async def execute(
        self, code: str, *, context: CallContext | None = None, timeout_s: float | None = None
    ) -> ExecutionResult:
        """Run a program with every skill of the tenant callable as ``skills.<name>()``.
        However often it calls a skill, that is one run toward the skill's trust."""
        async with self._independent(self._acting(context), quiet=True) as ctx:
            return await self._execute(code, ctx, None, timeout_s)

    async def call(
        self, name: str, args: Mapping[str, Any] | None = None, *,
        context: CallContext | None = None,
    ) -> Any:  # fmt: skip
        """Run skill ``name`` on ``args``; return its result or raise.

        ``SkillNotFound``, ``SkillNotAllowed`` (trust policy), ``SkillCallError`` (cycle or
        depth), ``ScopeDenied`` (a tool it calls needs a scope the caller lacks) and
        ``ToolValidationError`` (bad input) are raised before anything runs and are not
        counted as runs; a failing run raises ``ToolError`` and is counted (a direct call
        is an execution of its own, for trust)."""
        async with self._independent(self._acting(context)) as ctx:
            with use_context(ctx.identity):  # storage operations below act for this identity
                return await self._call(name, args, ctx)

    async def _call(self, name: str, args: Mapping[str, Any] | None, ctx: CallContext) -> Any:
        if name in ctx.stack:
            raise SkillCallError(f"skill call cycle: {ctx.chain(name)}")
        if len(ctx.stack) >= self.max_depth:
            raise SkillCallError(f"skills may nest {self.max_depth} deep: {ctx.chain(name)}")
        skill = await self.get(name)
        self.policy.check_run(skill, unattended=ctx.unattended,
                              allow_untrusted=ctx.allow_untrusted)  # fmt: skip
        await self.check_scopes(skill, ctx.identity)
        params = list(skill.input_schema.get("properties", {}))
        args = bind_positional(name, dict(args or {}), params)
        problems = await SchemaValidator(skill.input_schema).check(args)
        if problems:
            raise ToolValidationError(f"{name}(): invalid input: {problems}")
        depth = len(ctx.stack)
        if self.events.active:
            self.events.emit(SKILL_CALL, tenant=self.tenant, name=name, version=skill.version,
                             depth=depth, args=args)  # fmt: skip
        result = await self._execute(skill.code, ctx.enter(name), {"input": args})
        error = None if result.success else _error_text(result)
        if error is None:
            problems = await SchemaValidator(skill.output_schema).check(result.result)
            if problems:
                error = f"OutputValidationError: result does not match output_schema: {problems}"
        run = RunRecord(success=error is None, duration_ms=result.duration_ms, error=error,
                        version=skill.version, caller=ctx.caller,
                        execution=ctx.root.key if ctx.root else None)  # fmt: skip
        self.auditor.record(AUDIT_SKILL_CALL, context=ctx.identity, tenant=self.tenant,
                            target=name, outcome="ok" if error is None else "error",
                            duration_ms=round(result.duration_ms, 3), version=skill.version,
                            depth=depth, error=error)  # fmt: skip
        after = await self._io(self.storage.record_execution, name, run)
        if ctx.root is not None:  # trust is judged once, when the execution ends
            ctx.root.note(skill, error is None, after)
        if error is not None:
            self.events.emit(SKILL_ERROR, tenant=self.tenant, name=name, depth=depth,
                             error=error, logs=result.logs)  # fmt: skip
            raise ToolError(f"skill {name} failed: {error}")
        if self.events.active:
            self.events.emit(SKILL_RESULT, tenant=self.tenant, name=name, depth=depth,
                             duration_ms=result.duration_ms, logs=result.logs)  # fmt: skip
        return result.result

    # -- model-facing tools --------------------------------------------------------------
    def management_tools(self) -> list[Any]:
        """``register_skill``, ``search_skills``, ``get_skill``, ``update_skill``."""
        from .tools import management_tools

        return management_tools(self)

    def skill_tools(
        self, skills: Iterable[Skill], *, context: CallContext | None = None
    ) -> list[Any]:
        """``skills`` as tools named after them (for the model to call directly)."""
        from .tools import skill_tool

        return [skill_tool(self, s, context or self.context) for s in skills]

    async def close(self) -> None:
        if self._owns_code_mode:
            await self.code_mode.close()

    async def __aenter__(self) -> SkillManager:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
