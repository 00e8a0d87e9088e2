"""The program's ``warnings`` module: CPython's behaviour, with state of its own per run.

CPython keeps the warning filters, the "once" registry and the display hooks in one
process-wide module. In-process that module is the host's, so the program gets a module
of its own (``ProgramWarnings.module``, a fresh facade per ``ModuleRegistry``): the same
names (``warn``, ``warn_explicit``, ``filterwarnings``, ``simplefilter``,
``resetwarnings``, ``catch_warnings``, ``showwarning``, ``formatwarning``,
``WarningMessage``, ``filters``, ``defaultaction``, ``onceregistry`` and the private hooks
CPython's own functions look up, ``_showwarnmsg``, ``_showwarnmsg_impl``...), and its
functions read those names from the module each time, as CPython's read their globals:
``warnings.filters = []`` or ``warnings.showwarning = f`` work as in CPython.

Deciding whether to show, ignore or raise a warning is CPython's own code (the C
``_warnings.warn_explicit``) reading the program's filters: ``warnrouting`` points the
interpreter's warnings machinery at the running program's state, so warnings that the
standard library or the interpreter raise during the run (``re``'s ``FutureWarning``, a
coroutine never awaited) follow the program's filters and reach its hooks too.

What of a warning reaches the program (file names, messages, sources) is ``warnstate``'s
rule. A warning is written to the program's ``sys.stderr`` (so ``redirect_stderr``
applies), which the logs mark as stderr. No source line is read from any file: what is
shown is what ``python -c`` shows (there is no program file to read lines from).
"""

from __future__ import annotations

import sys
import warnings as _real
from collections.abc import Callable
from typing import Any

from .builtin_functions import builtin_function
from .ownership import SafeModule
from .warnrouting import ACTIVE
from .warnstate import ProgramWarnings, WarningMessage

#: CPython's filters at start-up (``-W`` and ``-X dev`` aside), as ``_warnings`` makes them.
DEFAULT_FILTERS: tuple[tuple[Any, ...], ...] = (
    ("default", None, DeprecationWarning, "__main__", 0),
    ("ignore", None, DeprecationWarning, None, 0),
    ("ignore", None, PendingDeprecationWarning, None, 0),
    ("ignore", None, ImportWarning, None, 0),
    ("ignore", None, ResourceWarning, None, 0),
)
_ACTIONS = ("error", "ignore", "always", "default", "module", "once")
_MISSING = object()


def _check(condition: bool, message: str) -> None:
    """CPython checks these arguments with ``assert``: the same AssertionError."""
    if not condition:
        raise AssertionError(message)


def _build_module(state: ProgramWarnings) -> SafeModule:
    """The facade, whose functions look the module's names up on it at each call."""
    facade = SafeModule("warnings", _real.__doc__)

    def showwarning(
        message: Any, category: Any, filename: Any, lineno: Any, file: Any = None, line: Any = None
    ) -> None:
        """Hook to write a warning to a file; replace if you like."""
        facade._showwarnmsg_impl(WarningMessage(message, category, filename, lineno, file, line))

    def formatwarning(
        message: Any, category: Any, filename: Any, lineno: Any, line: Any = None
    ) -> Any:
        """Function to format a warning the standard way."""
        msg = WarningMessage(message, category, filename, lineno, None, line)
        return facade._formatwarnmsg_impl(msg)

    def _showwarnmsg_impl(msg: Any) -> None:
        file = msg.file
        if file is None:
            file = state.stderr()
            if file is None:
                return
        text = facade._formatwarnmsg(msg)
        try:
            file.write(text)
        except OSError:
            pass

    def _formatwarnmsg_impl(msg: Any) -> str:
        category = msg.category.__name__
        text = f"{msg.filename}:{msg.lineno}: {category}: {msg.message}\n"
        line = msg.line  # never read from a file (see the module docstring)
        if line:
            text += f"  {line.strip()}\n"
        if state.had_source(msg):  # tracemalloc is never tracing here
            text += f"{category}: Enable tracemalloc to get the object allocation traceback\n"
        return text

    def _showwarnmsg(msg: Any) -> None:
        """Hook to write a warning to a file; replace if you like."""
        shower = getattr(facade, "showwarning", _MISSING)
        if shower is not _MISSING and shower is not facade._showwarning_orig:
            if not callable(shower):
                raise TypeError("warnings.showwarning() must be set to a function or method")
            shower(msg.message, msg.category, msg.filename, msg.lineno, msg.file, msg.line)
            return
        facade._showwarnmsg_impl(msg)

    def _formatwarnmsg(msg: Any) -> Any:
        """Function to format a warning the standard way."""
        formatter = getattr(facade, "formatwarning", _MISSING)
        if formatter is not _MISSING and formatter is not facade._formatwarning_orig:
            return formatter(msg.message, msg.category, msg.filename, msg.lineno, msg.line)
        return facade._formatwarnmsg_impl(msg)

    def add_filter(*item: Any, append: bool) -> None:
        filters = facade.filters
        if not append:
            try:
                filters.remove(item)
            except ValueError:
                pass
            filters.insert(0, item)
        elif item not in filters:
            filters.append(item)
        facade._filters_mutated()

    def filterwarnings(
        action: Any,
        message: Any = "",
        category: Any = Warning,
        module: Any = "",
        lineno: Any = 0,
        append: Any = False,
    ) -> None:
        """Insert an entry into the list of warnings filters (at the front)."""
        _check(action in _ACTIONS, f"invalid action: {action!r}")
        _check(isinstance(message, str), "message must be a string")
        _check(isinstance(category, type), "category must be a class")
        _check(issubclass(category, Warning), "category must be a Warning subclass")
        _check(isinstance(module, str), "module must be a string")
        _check(isinstance(lineno, int) and lineno >= 0, "lineno must be an int >= 0")
        import re

        pattern = re.compile(message, re.I) if message else None
        where = re.compile(module) if module else None
        add_filter(action, pattern, category, where, lineno, append=append)

    def simplefilter(
        action: Any, category: Any = Warning, lineno: Any = 0, append: Any = False
    ) -> None:
        """Insert a simple entry into the list of warnings filters (at the front)."""
        _check(action in _ACTIONS, f"invalid action: {action!r}")
        _check(isinstance(lineno, int) and lineno >= 0, "lineno must be an int >= 0")
        add_filter(action, None, category, None, lineno, append=append)

    def resetwarnings() -> None:
        """Clear the list of warning filters, so that no filters are active."""
        facade.filters[:] = []
        facade._filters_mutated()

    def warn(
        message: Any = _MISSING,
        category: Any = None,
        stacklevel: Any = 1,
        source: Any = None,
        **options: Any,
    ) -> None:
        if message is _MISSING:
            raise TypeError("warn() missing required argument 'message' (pos 1)")
        _warn_options(options)
        state.warn_from(sys._getframe(1), message, category, stacklevel, source)

    def warn_explicit(
        message: Any,
        category: Any,
        filename: Any,
        lineno: Any,
        module: Any = None,
        registry: Any = None,
        module_globals: Any = None,
        source: Any = None,
    ) -> None:
        if module_globals is not None and not isinstance(module_globals, dict):
            kind = type(module_globals).__name__
            raise TypeError(f"module_globals must be a dict, not '{kind}'")
        state.emit(message, category, filename, lineno, module, registry, source)

    for function in (showwarning, formatwarning, filterwarnings, simplefilter, resetwarnings):
        function.__module__ = "warnings"
    for name, value in {
        "filters": [*DEFAULT_FILTERS],
        "defaultaction": "default",
        "onceregistry": {},
        "warn": builtin_function("warn", warn),
        "warn_explicit": builtin_function("warn_explicit", warn_explicit),
        "showwarning": showwarning,
        "formatwarning": formatwarning,
        "filterwarnings": filterwarnings,
        "simplefilter": simplefilter,
        "resetwarnings": resetwarnings,
        "catch_warnings": catch_warnings,
        "WarningMessage": WarningMessage,
        "_showwarnmsg": _showwarnmsg,
        "_showwarnmsg_impl": _showwarnmsg_impl,
        "_showwarning_orig": showwarning,
        "_formatwarnmsg": _formatwarnmsg,
        "_formatwarnmsg_impl": _formatwarnmsg_impl,
        "_formatwarning_orig": formatwarning,
        "_filters_mutated": _real._filters_mutated,
    }.items():
        setattr(facade, name, value)
    return facade


def program_warnings(stderr: Callable[[], Any]) -> ProgramWarnings:
    """A run's warnings: a fresh state (its module made on first use), writing to
    ``stderr()``."""
    return ProgramWarnings(stderr, _build_module)


def _warn_options(options: dict[str, Any]) -> None:
    """``skip_file_prefixes`` (3.12+) is accepted and has nothing left to skip: only the
    program's own frames are counted anyway."""
    for name, value in options.items():
        if name != "skip_file_prefixes" or sys.version_info < (3, 12):
            raise TypeError(f"warn() got an unexpected keyword argument '{name}'")
        if type(value) is not tuple:
            raise TypeError(
                f"warn() argument 'skip_file_prefixes' must be tuple, not {type(value).__name__}"
            )


def _current_module() -> Any:
    state = ACTIVE.get()
    if state is None:
        raise RuntimeError("catch_warnings() needs a running program")
    return state.module


class catch_warnings:
    __doc__ = _real.catch_warnings.__doc__

    def __init__(
        self,
        *,
        record: bool = False,
        module: Any = None,
        action: Any = None,
        category: Any = Warning,
        lineno: int = 0,
        append: bool = False,
    ) -> None:
        self._record = record
        self._module = _current_module() if module is None else module
        self._entered = False
        self._filter = None if action is None else (action, category, lineno, append)

    def __repr__(self) -> str:
        args = []
        if self._record:
            args.append("record=True")
        if self._module is not getattr(ACTIVE.get(), "module", None):
            args.append(f"module={self._module!r}")
        return f"{type(self).__name__}({', '.join(args)})"

    def __enter__(self) -> Any:
        if self._entered:
            raise RuntimeError(f"Cannot enter {self!r} twice")
        self._entered = True
        module = self._module
        self._filters = module.filters
        module.filters = self._filters[:]
        module._filters_mutated()
        self._showwarning = module.showwarning
        self._showwarnmsg_impl = module._showwarnmsg_impl
        if self._filter is not None:
            module.simplefilter(*self._filter)
        if self._record:
            log: list[Any] = []
            module._showwarnmsg_impl = log.append
            module.showwarning = module._showwarning_orig
            return log
        return None

    def __exit__(self, *exc_info: object) -> None:
        if not self._entered:
            raise RuntimeError(f"Cannot exit {self!r} without entering first")
        module = self._module
        module.filters = self._filters
        module._filters_mutated()
        module.showwarning = self._showwarning
        module._showwarnmsg_impl = self._showwarnmsg_impl


catch_warnings.__module__ = "warnings"
#: Every class here a program can reach (made immutable in-process).
PROGRAM_VISIBLE: tuple[type, ...] = (catch_warnings,)
