"""The builtins a program sees: CPython's, minus the doors out, plus checked versions."""

from __future__ import annotations

import builtins as _builtins
from collections.abc import Callable
from typing import Any

from .guards import (
    PolicyViolation,
    guarded_getattr,
    safe_delattr,
    safe_dir,
    safe_hasattr,
    safe_setattr,
    safe_vars,
)

_REMOVED = {
    "open": "files are not available in the sandbox; ask a host tool for the data",
    "exec": "exec() is not available in the sandbox",
    "eval": "eval() is not available in the sandbox",
    "compile": "compile() is not available in the sandbox",
    "input": "there is no console input in the sandbox",
    "breakpoint": "there is no debugger in the sandbox",
    "globals": "globals() is not available in the sandbox",
    "help": "help() is not available in the sandbox",
    "exit": "use `return value` to finish the program",
    "quit": "use `return value` to finish the program",
}
_DROPPED = {"copyright", "credits", "license", "__loader__", "__spec__", "__debug__"}


def _refusal(name: str, why: str) -> Callable[..., Any]:
    def refused(*_: Any, **__: Any) -> Any:
        raise PolicyViolation(f"{name}(): {why}")

    refused.__name__ = name
    return refused


def _base_table() -> dict[str, Any]:
    table = {
        k: v for k, v in vars(_builtins).items() if k not in _DROPPED and not k.startswith("_")
    }
    table["__build_class__"] = _builtins.__build_class__
    table["__name__"] = "builtins"
    for name, why in _REMOVED.items():
        table[name] = _refusal(name, why)
    table.update(
        getattr=guarded_getattr,
        hasattr=safe_hasattr,
        setattr=safe_setattr,
        delattr=safe_delattr,
        vars=safe_vars,
        dir=safe_dir,
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
