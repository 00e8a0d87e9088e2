"""``SkillManager``: a ``SkillLibrary`` that runs its skills.

A program's ``skills.x()`` call and a skill called as a tool both reach
``SkillManager.call`` through a ``SkillTarget``; the call checks the trust policy,
cycles, depth and the scopes the skill inherits from the tools it calls, validates the
input, runs the code in a fresh sandbox execution, validates the result and records the
run (the library then lets trust follow).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from ..codemode import CodeMode, create_code_mode
from ..errors import (
    ScopeDenied,
    SkillCallError,
    SkillNotFound,
    SkillValidationError,
    ToolError,
    ToolValidationError,
)
from ..events import EventType
from ..records import RunRecord, Skill
from ..sandbox.result import ExecutionResult
from ..security.audit import AuditAction, AuditLog
from ..security.context import ExecutionContext
from ..storage.base import SkillStorage
from ..tools.schema import SchemaValidator
from ..tools.tool import bind_positional
from ..trust import TrustPolicy, TrustStrategy
from .calls import Caller
from .evidence import entered
from .library import SkillLibrary
from .targets import LiveSkills
from .validation import called_server_tools, called_tools

#: Schema validators kept per manager: (skill id, version) -> (input, output).
_VALIDATORS_KEPT = 256


def _error_text(result: ExecutionResult) -> str:
    err = result.error
    if err is None:
        return "failed"
    return f"{err.type}: {err.message}" + (f" (line {err.line})" if err.line else "")


class SkillManager(SkillLibrary):
    """Skills of one tenant: register, find, run, and let trust follow the results.

    ``SkillManager(open_storage("sqlite:///skills.db", tenant="acme"), code_mode)``.
    ``code_mode`` runs the skills' code (with its tools available to them); without one a
    tool-less ``create_code_mode()`` is made and closed with the manager. Identity,
    tenant guard and audit are the library's; ``audit`` defaults to the code mode's.
    A skill run needs the scopes of the tools the skill calls.
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
        context: Caller | None = None,
        identity: ExecutionContext | None = None,
        audit: AuditLog | None = None,
    ) -> None:
        if max_depth < 1:
            raise ValueError("max_depth must be at least 1")
        self._owns_code_mode = code_mode is None
        self.code_mode = code_mode if code_mode is not None else create_code_mode()
        super().__init__(
            storage,
            trust_strategy=trust_strategy,
            policy=policy,
            context=context,
            identity=identity,
            audit=audit if audit is not None else self.code_mode.auditor,
            events=self.code_mode.events,
        )
        self.max_depth = max_depth
        self.timeout_s = timeout_s
        programs = getattr(self.code_mode.driver, "programs", None)
        if programs is not None:  # registration compiles where the runs will find it
            self._programs = programs
        self._validators: OrderedDict[tuple[str, int], tuple[SchemaValidator, SchemaValidator]]
        self._validators = OrderedDict()

    def _compiles_isolated(self) -> bool:
        """As the driver compiles (``SubprocessDriver.native_stores``), so the test run and
        the first calls find the program registration compiled."""
        return bool(getattr(self.code_mode.driver, "native_stores", False))

    # -- registration: the library's checks plus a test run ------------------------------
    def _tool_names(self) -> Collection[str]:
        return self.code_mode.tools

    async def _validate(
        self,
        name: str,
        content: dict[str, Any],
        who: ExecutionContext | None,
        *,
        new: bool,
        test_input: Any,
    ) -> list[str]:
        depends_on = await super()._validate(name, content, who, new=new, test_input=None)
        if test_input is not None:
            await self._test_run(name, content, test_input, who)
        return depends_on

    async def _test_run(
        self, name: str, content: dict[str, Any], test_input: Any, who: ExecutionContext | None
    ) -> None:
        problems = await SchemaValidator(content["input_schema"]).check(test_input)
        if problems:
            raise SkillValidationError(f"test_input does not match input_schema: {problems}")
        # the test run acts for whoever registers, exactly like a call they made
        caller = Caller(allow_untrusted=True, caller="registration test", identity=who)
        result = await self._execute(content["code"], caller.enter(name), {"input": test_input})
        if not result.success:
            raise SkillValidationError(f"test run failed: {_error_text(result)}")
        problems = await SchemaValidator(content["output_schema"]).check(result.result)
        if problems:
            raise SkillValidationError(
                f"test run returned a result that does not match output_schema: {problems}"
            )

    # -- scopes a skill inherits ---------------------------------------------------------
    async def required_scopes(self, skill: Skill | str) -> frozenset[str]:
        """The scopes a caller needs to run ``skill``: the ``scopes`` of every tool its
        code names as ``tools.<name>`` and, transitively, of the skills it depends on.
        The bridge still checks each tool call at run time, which also covers tools
        reached dynamically (``getattr(tools, name)``) that no static reading sees."""
        who = self._who()
        if isinstance(skill, str):
            skill = await self._store.run(who, self.storage.get, skill)
        return await self._required_scopes(skill, who)

    async def _required_scopes(self, skill: Skill, who: ExecutionContext | None) -> frozenset[str]:
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
                        pending.append(await self._store.run(who, self.storage.get, dep))
                    except SkillNotFound:  # deleted since: its call will fail on its own
                        continue
        return frozenset(required)

    async def _check_server_tools(self, skill: Skill) -> None:
        """Raise ``ToolError`` (before the run: not counted) naming every MCP server tool
        the skill calls that is gone: its server not configured here, down, or no longer
        listing it. A skill outlives the servers of the code mode it was written in."""
        wanted = {
            pair for pair in called_server_tools(skill.code) if pair[0] not in self.code_mode.tools
        }
        if not wanted:
            return
        mcp = self.code_mode.mcp
        problems = (
            await mcp.unavailable(wanted)
            if mcp is not None
            else [f"tools.{s}.{t}: no MCP server {s!r} is configured" for s, t in sorted(wanted)]
        )
        if problems:
            raise ToolError(f"skill {skill.name!r} cannot run: " + "; ".join(problems))

    async def _check_scopes(self, skill: Skill, who: ExecutionContext | None) -> None:
        """Raise (and audit) ``ScopeDenied`` unless ``who`` grants every required scope."""
        required = await self._required_scopes(skill, who)
        granted = who.scopes if who is not None else frozenset()
        missing = sorted(required - granted)
        if not missing:
            return
        self.auditor.record(
            AuditAction.SKILL_CALL,
            context=who,
            tenant=self.tenant,
            target=skill.name,
            outcome="refused",
            error="ScopeDenied",
            missing=missing,
        )
        raise ScopeDenied(
            f"skill {skill.name} calls tools that need scope(s) {', '.join(missing)}, "
            "which this caller does not have"
        )

    # -- running -------------------------------------------------------------------------
    async def _execute(
        self,
        code: str,
        caller: Caller,
        globals_: dict[str, Any] | None = None,
        timeout_s: float | None = None,
    ) -> ExecutionResult:
        """Run ``code`` for ``caller`` (its identity already resolved)."""
        caller, root = caller.rooted(counts=False)  # a test run: no evidence
        with entered(caller.root):  # the program's calls (through the bridge) see its root
            result = await self.code_mode.execute(
                code,
                skills=LiveSkills(self.call, caller),
                globals=globals_,
                timeout_s=timeout_s or self.timeout_s,
                context=caller.identity,
            )
        if root is not None:
            await self._trust.settle(root, caller.identity)
        return result

    async def execute(
        self, code: str, *, context: Caller | None = None, timeout_s: float | None = None
    ) -> ExecutionResult:
        """Run a program with every skill of the tenant callable as ``skills.<name>()``.
        However often it calls a skill, that is one run toward the skill's trust."""
        async with self._independent(self._acting(context), quiet=True) as caller:
            return await self._execute(code, caller, None, timeout_s)

    async def call(
        self,
        name: str,
        args: Mapping[str, Any] | None = None,
        *,
        context: Caller | None = None,
        positional: Sequence[Any] = (),
    ) -> Any:
        """Run skill ``name`` on ``args`` (and ``positional``, bound to the input's
        properties in order); return its result or raise.

        ``SkillNotFound``, ``SkillNotAllowed`` (trust policy), ``SkillCallError`` (cycle or
        depth), ``ScopeDenied`` (a tool it calls needs a scope the caller lacks) and
        ``ToolValidationError`` (bad input) are raised before anything runs and are not
        counted as runs; a failing run raises ``ToolError`` and is counted (a direct call
        is an execution of its own, for trust)."""
        async with self._independent(self._acting(context)) as caller:
            return await self._call(name, args, positional, caller)

    def _checks(self, skill: Skill) -> tuple[SchemaValidator, SchemaValidator]:
        """The input and output validators of this version of ``skill`` (built once)."""
        key = (skill.id, skill.version)
        found = self._validators.get(key)
        if found is None:
            found = (SchemaValidator(skill.input_schema), SchemaValidator(skill.output_schema))
            self._validators[key] = found
            if len(self._validators) > _VALIDATORS_KEPT:
                self._validators.popitem(last=False)
        else:
            self._validators.move_to_end(key)
        return found

    async def _call(
        self,
        name: str,
        args: Mapping[str, Any] | None,
        positional: Sequence[Any],
        caller: Caller,
    ) -> Any:
        if name in caller.stack:
            raise SkillCallError(f"skill call cycle: {caller.chain(name)}")
        if len(caller.stack) >= self.max_depth:
            raise SkillCallError(f"skills may nest {self.max_depth} deep: {caller.chain(name)}")
        who = caller.identity
        skill = await self._store.run(who, self.storage.get, name)
        self.policy.check_run(skill, caller)
        await self._check_scopes(skill, who)
        await self._check_server_tools(skill)
        params = list(skill.input_schema.get("properties", {}))
        given = bind_positional(name, dict(args or {}), params, positional)
        check_input, check_output = self._checks(skill)
        problems = await check_input.check(given)
        if problems:
            raise ToolValidationError(f"{name}(): invalid input: {problems}")
        depth = len(caller.stack)
        if self.events.active:
            self.events.emit(
                EventType.SKILL_CALL,
                tenant=self.tenant,
                name=name,
                version=skill.version,
                depth=depth,
                args=given,
            )
        result = await self._execute(skill.code, caller.enter(name), {"input": given})
        error = None if result.success else _error_text(result)
        if error is None:
            problems = await check_output.check(result.result)
            if problems:
                error = f"OutputValidationError: result does not match output_schema: {problems}"
        run = RunRecord(
            success=error is None,
            duration_ms=result.duration_ms,
            error=error,
            version=skill.version,
            caller=caller.caller,
            execution=caller.root.key if caller.root else None,
        )
        self.auditor.record(
            AuditAction.SKILL_CALL,
            context=who,
            tenant=self.tenant,
            target=name,
            outcome="ok" if error is None else "error",
            duration_ms=round(result.duration_ms, 3),
            version=skill.version,
            depth=depth,
            error=error,
        )
        await self._record_run(skill, run, caller)
        if error is not None:
            self.events.emit(
                EventType.SKILL_ERROR,
                tenant=self.tenant,
                name=name,
                depth=depth,
                error=error,
                logs=result.logs,
            )
            raise ToolError(f"skill {name} failed: {error}")
        if self.events.active:
            self.events.emit(
                EventType.SKILL_RESULT,
                tenant=self.tenant,
                name=name,
                depth=depth,
                duration_ms=result.duration_ms,
                logs=result.logs,
            )
        return result.result

    async def close(self) -> None:
        if self._owns_code_mode:
            await self.code_mode.close()

    async def __aenter__(self) -> SkillManager:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
