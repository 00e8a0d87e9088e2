"""Run one program under the language policy. Shared by both drivers.

Everything here executes *inside* the sandbox process (or, for ``InProcessDriver``, on a
private thread): it compiles the program, builds its globals (``tools``, ``skills``,
checked builtins, module facades), runs it, and turns the outcome into a plain dict that
carries only the result as JSON text and an error with the type, message and line the
model needs. No host frames, no host paths.
"""

from __future__ import annotations

import json
import re
import types
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .policy import toplevel_run
from .policy.builtins import make_builtins
from .policy.facades import ERROR_REDIRECTS, OUTPUT_REDIRECTS
from .policy.guards import (
    PROGRAM_MODULE,
    PolicyViolation,
    check_self_owned,
    guarded_getattr,
    match_class,
    store_target,
    store_target_named,
)
from .policy.hardening import IN_PROGRAM
from .policy.modules import ModuleRegistry
from .policy.namespace import Namespace as _Namespace
from .policy.namespace import make_print as _make_print
from .policy.ownership import register_capability
from .policy.streams import LogStreams
from .policy.transformer import (
    ENTRY,
    PROGRAM_FILENAME,
    CompileFailed,
    PolicyError,
    compile_program,
)
from .policy.visitor import (  # the names the compiler injects, bound in globals here
    GETATTR,
    IMPORT_STAR,
    MATCH_CLASS,
    SELF_OWNED,
    SELF_TARGET,
    STORE,
    STORE_NAMED,
)

#: ``json.dumps(value, allow_nan=False, ensure_ascii=False)`` without building an encoder
#: per call (``encode`` keeps no state between calls, so threads may share it).
_RESULT_ENCODER = json.JSONEncoder(allow_nan=False, ensure_ascii=False)

CallFn = Callable[[str, str, dict[str, Any]], Awaitable[Any]]


@dataclass(frozen=True)
class RunLimits:
    """Caps applied inside the program (the OS limits are applied by the driver)."""

    max_log_bytes: int = 64_000
    max_result_bytes: int = 1_000_000
    max_tool_calls: int = 200


class ToolError(Exception):
    """A host tool failed. Programs may catch it; uncaught it ends the run.

    The program-side twin of ``codemode_skills.errors.ToolError`` (and of its
    ``ToolValidationError``/``PermissionDenied``): the jail imports nothing of the host's
    errors, so the bridge sends a failure's class name and message and the worker raises
    the class of that name from here."""


class ToolValidationError(ToolError):
    """A tool's input or output did not match its schema."""


class PermissionDenied(ToolError):
    """The host refused the call: a missing scope, or an invalid execution token."""


#: Error types the host may answer a call with, as the program's exception classes.
CALL_ERRORS: dict[str, type[ToolError]] = {
    "ToolError": ToolError,
    "ToolValidationError": ToolValidationError,
    "PermissionDenied": PermissionDenied,
}


class SandboxLimit(BaseException):
    """Base of limit errors: a BaseException so `except Exception:` cannot hide them."""


class OutputLimitExceeded(SandboxLimit):
    pass


class ToolCallLimitExceeded(SandboxLimit):
    pass


_HOST_PATH = re.compile(
    r"(?<![\w:/.])/(?:root|home|usr|opt|tmp|var|work|etc|srv|proc|lib|lib64|bin|sbin|mnt|run)"
    r"(?:/[\w.+\-@]+)+"
)


def scrub(message: str, limit: int = 2_000) -> str:
    """Remove host paths from a message shown to the model, and bound its size."""
    message = _HOST_PATH.sub("<path>", message)
    return message if len(message) <= limit else message[:limit] + "... [truncated]"


def _error(type_: str, message: str, line: int | None = None) -> dict[str, Any]:
    return {"type": type_, "message": scrub(message), "line": line}


def compile_failure(error: PolicyError) -> dict[str, Any]:
    """The outcome of a program that did not compile (``SyntaxError`` or
    ``PolicyViolation``, with its line)."""
    error_ = _error(error.type, error.message, error.line)
    return {"success": False, "result": None, "error": error_}


def _program_line(exc: BaseException) -> int | None:
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == PROGRAM_FILENAME:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _module_level(exc: BaseException) -> BaseException:
    """The exception as module code would have raised it. The program's top level is a
    coroutine's body, and CPython turns a ``StopIteration`` escaping a coroutine into
    ``RuntimeError: coroutine raised StopIteration`` (PEP 479) at the boundary, outside
    any program frame; at module level it is the ``StopIteration`` itself."""
    if (
        type(exc) is RuntimeError
        and isinstance(exc.__cause__, StopIteration)
        and _program_line(exc) is None
    ):
        return exc.__cause__
    return exc


def _exits_cleanly(code: Any) -> bool:
    """Exit status 0 (``sys.exit()``, ``sys.exit(0)``), tested by type: a program's own
    ``__eq__`` never runs here."""
    return code is None or (type(code) in (int, bool) and int.__eq__(code, 0) is True)


def _error_type(exc: BaseException) -> str:
    if isinstance(exc, PolicyViolation):
        return "PolicyViolation"
    if isinstance(exc, MemoryError):
        return "MemoryLimitExceeded"
    return type(exc).__name__


class ProgramRun:
    """One execution: compile, run, report. Not reusable."""

    def __init__(
        self,
        *,
        registry: ModuleRegistry,
        call: CallFn,
        console: Callable[[str], None],
        tool_names: Iterable[str] = (),
        skill_names: Iterable[str] = (),
        limits: RunLimits = RunLimits(),
        extra_globals: dict[str, Any] | None = None,
        restricted: bool = True,
        isolated: bool = False,
    ) -> None:
        self.registry = registry
        #: Whether this process runs this program only (compile_program's ``isolated``).
        self.isolated = isolated
        self._call = call
        self._console = console
        self.limits = limits
        self.tool_calls = 0
        self.log_bytes = 0
        self.limit_hit: SandboxLimit | None = None
        self._tool_names = tool_names
        self._skill_names = skill_names
        self._extra = extra_globals or {}
        self.restricted = restricted
        self._globals: dict[str, Any] | None = None
        #: Targets of active ``contextlib.redirect_stdout`` blocks (innermost last).
        self._redirects: list[Any] = []
        self.print = _make_print(self.write, self._redirects)
        #: How stdout and stderr share the one log (stderr lines marked; see streams).
        self._streams = LogStreams()
        registry.error_console = self.write_error  # where the program's sys.stderr writes

    def prepare(self) -> None:
        """Build the globals now: the worker does this while it waits for its request,
        then ``configure`` fills in what the request says."""
        self.registry.refresh()
        self._globals = self.build_globals()

    def configure(
        self,
        *,
        tool_names: Iterable[str],
        skill_names: Iterable[str],
        limits: RunLimits,
        extra_globals: dict[str, Any] | None,
        restricted: bool,
    ) -> None:
        """Take the request's names, limits, globals and mode (after ``prepare``)."""
        if restricted != self.restricted:
            self._globals = None  # other builtins: built again by run()
        self.restricted, self.limits = restricted, limits
        self._tool_names, self._skill_names = tool_names, skill_names
        self._extra = extra_globals or {}
        if self._globals is not None:
            self._provide(self._globals["__builtins__"])
            self._globals.update(self._extra)

    # -- program-facing hooks ---------------------------------------------------------
    def write(self, text: str) -> None:
        """What the program writes to stdout (``print``, ``sys.stdout``)."""
        if self.limit_hit is not None:
            raise self.limit_hit
        if text:  # nothing to show: never a message (the host caps them by count)
            self._log(self._streams.stdout(text))

    def write_error(self, text: str) -> None:
        """What the program writes to stderr (``sys.stderr``, warnings): marked lines."""
        if self.limit_hit is not None:
            raise self.limit_hit
        if text:
            self._log(self._streams.stderr(text))

    def _log(self, text: str) -> None:
        if not text:
            return
        self.log_bytes += len(text.encode("utf-8", "replace"))
        if self.log_bytes > self.limits.max_log_bytes:
            self.limit_hit = OutputLimitExceeded(
                f"the program printed more than {self.limits.max_log_bytes} bytes of logs"
            )
            raise self.limit_hit
        self._console(text)

    def call(self, kind: str, name: str, args: Any) -> Awaitable[Any]:
        """Count and check a call, then hand it to the driver (returns its awaitable)."""
        self.tool_calls += 1
        if self.tool_calls > self.limits.max_tool_calls:
            self.limit_hit = ToolCallLimitExceeded(
                f"the program made more than {self.limits.max_tool_calls} tool calls"
            )
            raise self.limit_hit
        if not isinstance(args, dict) or not all(isinstance(k, str) for k in args):
            raise TypeError("tool arguments must be keyword arguments")
        return self._call(kind, name, args)

    # -- running -----------------------------------------------------------------------
    def _provide(self, builtins: dict[str, Any]) -> None:
        """``tools`` and ``skills``, as builtins: names the sandbox provides, like
        ``print``, not the program's own globals (``globals()``, ``vars()`` and ``dir()``
        at the top level list what the program bound, as in CPython)."""
        builtins["tools"] = _Namespace("tools", self._tool_names, self.call)
        builtins["skills"] = _Namespace("skills", self._skill_names, self.call)

    def build_globals(self) -> dict[str, Any]:
        self.registry.console = self.print
        extra = dict(CALL_ERRORS)
        if self.restricted:
            builtins = make_builtins(
                importer=self.registry.importer(), print_fn=self.print, extra=extra
            )
        else:  # OS boundary only: the real builtins, with the console wired in
            import builtins as real_builtins

            builtins = {**vars(real_builtins), "print": self.print, **extra}
        globals_: dict[str, Any] = {
            "__builtins__": builtins,
            "__name__": PROGRAM_MODULE,
            "__doc__": None,
            GETATTR: guarded_getattr,
            STORE: store_target,
            STORE_NAMED: store_target_named,
            SELF_TARGET: store_target,
            SELF_OWNED: check_self_owned,
            MATCH_CLASS: match_class,
        }
        self._provide(builtins)
        importer = self.registry.importer()

        def import_star(module: str, level: int) -> None:
            facade = importer(module, fromlist=("*",), level=level)
            globals_.update({k: v for k, v in vars(facade).items() if not k.startswith("_")})

        globals_[IMPORT_STAR] = import_star
        globals_[toplevel_run.HELPER] = toplevel_run.run_at_top_level
        globals_.update(self._extra)
        return globals_

    async def run(self, program: str | types.CodeType) -> dict[str, Any]:
        """Run ``program`` (source, or the entry code ``compile_program`` made of it, as
        the host's ``ProgramCache`` ships it); never raises for anything it does."""
        if isinstance(program, types.CodeType):
            code = program
        else:
            try:
                code = compile_program(program, restricted=self.restricted, isolated=self.isolated)
            except CompileFailed as exc:
                return compile_failure(exc.error)
        globals_ = self._globals if self._globals is not None else self.build_globals()
        IN_PROGRAM.set(True)  # this task's context: copy's guard, redirect_stdout
        OUTPUT_REDIRECTS.set(self._redirects)
        ERROR_REDIRECTS.set([])
        try:
            value = await types.FunctionType(code, globals_, ENTRY)()
        except SandboxLimit as exc:
            return self._failure(exc)
        except SystemExit as exc:  # sys.exit(0) / exit(): the end of a script, successful
            if self.limit_hit is not None or not _exits_cleanly(exc.code):
                return self._failure(self.limit_hit or exc)
            value = None
        except BaseException as exc:
            if self.limit_hit is not None:
                return self._failure(self.limit_hit)
            return self._failure(exc)
        if self.limit_hit is not None:
            return self._failure(self.limit_hit)
        return self._success(value)

    def _failure(self, exc: BaseException) -> dict[str, Any]:
        exc = _module_level(exc)
        try:
            message = str(exc)
        except Exception:  # a program's __str__ may itself fail
            message = f"<unprintable {type(exc).__name__}>"
        if isinstance(exc, MemoryError):
            message = "the program exceeded its memory limit" + (f" ({message})" if message else "")
        return {
            "success": False,
            "result": None,
            "error": _error(_error_type(exc), message, _program_line(exc)),
        }

    def _success(self, value: Any) -> dict[str, Any]:
        try:
            text = _RESULT_ENCODER.encode(value)
        except (TypeError, ValueError) as exc:
            kind = type(value).__name__
            return {
                "success": False,
                "result": None,
                "error": _error(
                    "ResultNotSerializable",
                    f"the program returned a {kind}, which is not JSON ({exc}); "
                    "return dicts, lists, strings, numbers, booleans or None",
                ),
            }
        except RecursionError:
            return {
                "success": False,
                "result": None,
                "error": _error("ResultNotSerializable", "the result is nested too deeply"),
            }
        if len(text) > self.limits.max_result_bytes:
            return {
                "success": False,
                "result": None,
                "error": _error(
                    "OutputLimitExceeded",
                    f"the result is {len(text)} bytes; the limit is {self.limits.max_result_bytes}",
                ),
            }
        return {"success": True, "result_json": text, "error": None}


# the run and the registry are the sandbox's plumbing: never a value a program may hold
register_capability(ProgramRun, ModuleRegistry)


def program_visible_classes() -> tuple[type, ...]:
    """This module's classes a program can reach (as builtins, raised errors, ``tools``)."""
    return (
        *CALL_ERRORS.values(),
        ToolError,
        SandboxLimit,
        OutputLimitExceeded,
        ToolCallLimitExceeded,
        _Namespace,
    )
