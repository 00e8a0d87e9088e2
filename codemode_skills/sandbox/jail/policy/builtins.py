"""The builtins a program sees: CPython's, minus the doors out, plus checked versions.

Every replacement reads as the builtin it replaces (``builtin_functions``): the same repr
and names, and the same ``TypeError`` messages for a wrong call (``getattr expected at
least 2 arguments, got 1``), never the name of a guard function.
"""

from __future__ import annotations

import builtins as _builtins
import sys
from collections.abc import Callable
from typing import Any

from .builtin_functions import BuiltinFunction, builtin_function
from .guards import (
    PolicyViolation,
    guarded_getattr,
    program_globals,
    safe_delattr,
    safe_hasattr,
    safe_setattr,
    safe_vars,
    scope_names,
    scope_namespace,
)
from .sysfacade import system_exit

_REMOVED = {
    "open": "files are not available in the sandbox; ask a host tool for the data",
    "exec": "exec() is not available in the sandbox",
    "eval": "eval() is not available in the sandbox",
    "compile": "compile() is not available in the sandbox",
    "input": "there is no console input in the sandbox",
    "breakpoint": "there is no debugger in the sandbox",
    "help": "help() is not available in the sandbox",
}
_DROPPED = {"copyright", "credits", "license", "__loader__", "__spec__", "__debug__"}


def _check_call(name: str, low: int, high: int, args: tuple[Any, ...], kwargs: Any) -> None:
    """CPython's argument check of a positional-only builtin, with its messages."""
    if kwargs:
        raise TypeError(f"{name}() takes no keyword arguments")
    got = len(args)
    if low <= got <= high:
        return
    qualifier, count = ("at least ", low) if got < low else ("at most ", high)
    if low == high:
        qualifier = ""
    plural = "" if count == 1 else "s"
    raise TypeError(f"{name} expected {qualifier}{count} argument{plural}, got {got}")


def _positional(name: str, low: int, high: int, impl: Callable[..., Any]) -> BuiltinFunction:
    """``impl`` as the builtin ``name``, taking ``low`` to ``high`` positional arguments."""

    def call(*args: Any, **kwargs: Any) -> Any:
        if kwargs or not low <= len(args) <= high:
            _check_call(name, low, high, args, kwargs)
        return impl(*args)

    return builtin_function(name, call)


def _dir(*args: Any, **kwargs: Any) -> list[str]:
    """``dir()``: at the program's top level, its top-level names (see scope_names)."""
    if kwargs or len(args) > 1:
        _check_call("dir", 0, 1, args, kwargs)
    return dir(*args) if args else scope_names(sys._getframe(1))


def _vars(*args: Any, **kwargs: Any) -> Any:
    """``vars()``: the caller's local names (at the top level, the program's globals)."""
    if kwargs or len(args) > 1:
        _check_call("vars", 0, 1, args, kwargs)
    return safe_vars(*args) if args else scope_namespace(sys._getframe(1))


def _globals(*args: Any, **kwargs: Any) -> dict[str, Any]:
    """``globals()``: a copy of the program's globals (see guards.program_globals)."""
    if kwargs:
        raise TypeError("globals() takes no keyword arguments")
    if args:
        raise TypeError(f"globals() takes no arguments ({len(args)} given)")
    return program_globals(sys._getframe(1))


def _locals(*args: Any, **kwargs: Any) -> dict[str, Any]:
    """``locals()``: as ``vars()`` (at the top level, the program's globals)."""
    if kwargs:
        raise TypeError("locals() takes no keyword arguments")
    if args:
        raise TypeError(f"locals() takes no arguments ({len(args)} given)")
    return scope_namespace(sys._getframe(1))


def _refusal(name: str, why: str) -> BuiltinFunction:
    def refused(*_: Any, **__: Any) -> Any:
        raise PolicyViolation(f"{name}(): {why}")

    return builtin_function(name, refused)


def _base_table() -> dict[str, Any]:
    table = {
        k: v for k, v in vars(_builtins).items() if k not in _DROPPED and not k.startswith("_")
    }
    table["__build_class__"] = _builtins.__build_class__
    table["__name__"] = "builtins"
    for name, why in _REMOVED.items():
        table[name] = _refusal(name, why)
    table.update(
        getattr=_positional("getattr", 2, 3, guarded_getattr),
        hasattr=_positional("hasattr", 2, 2, safe_hasattr),
        setattr=_positional("setattr", 3, 3, safe_setattr),
        delattr=_positional("delattr", 2, 2, safe_delattr),
        vars=builtin_function("vars", _vars),
        dir=builtin_function("dir", _dir),
        locals=builtin_function("locals", _locals),
        globals=builtin_function("globals", _globals),
        exit=builtin_function("exit", system_exit),
        quit=builtin_function("quit", system_exit),
        PolicyViolation=PolicyViolation,
    )
    return table


_BASE = _base_table()


def make_builtins(
    *,
    importer: Callable[..., Any],
    print_fn: Callable[..., None],
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A fresh builtins dict for one execution (a copy: a program may rebind names)."""
    table = dict(_BASE)
    table["__import__"] = importer
    table["print"] = print_fn
    if extra:
        table.update(extra)
    return table
