"""Run-time checks that back the compile-time policy.

The compiler routes only a few attribute loads here (underscore names, ``format``,
interpreter-internal names); ``getattr``/``hasattr``/``vars``/``setattr``/``delattr`` are
replaced by checked versions so a computed name cannot reach what a literal one cannot.
"""

from __future__ import annotations

import string
import sys
import types
from typing import Any

try:  # CPython's helper that splits "0.attr[key]" the way str.format does
    from _string import formatter_field_name_split
except ImportError:  # pragma: no cover - CPython always has it
    formatter_field_name_split = None  # type: ignore[assignment]

from .names import (
    ALWAYS_DENIED,
    FORMAT_ATTRS,
    RUNTIME_CHECKED_DUNDERS,
    is_internal_attr,
    is_reserved,
)

#: ``__name__`` of every program, as for a script run with ``python file.py``.
PROGRAM_MODULE = "__main__"
#: The compiled entry function of every program (see transformer.ENTRY).
ENTRY_NAME = "__cm_main__"

_INTERNAL_TYPES: tuple[type, ...] = (
    types.FrameType,
    types.CodeType,
    types.TracebackType,
    types.GeneratorType,
    types.CoroutineType,
    types.AsyncGeneratorType,
    types.FunctionType,
)
_FORBIDDEN_VALUES: tuple[type, ...] = (types.FrameType, types.CodeType, types.TracebackType)


class PolicyViolation(Exception):
    """The program tried something the sandbox policy does not allow."""


class AttributePolicyViolation(PolicyViolation, AttributeError):
    """A refused attribute; an ``AttributeError`` so ``hasattr`` answers False."""


class ImportPolicyViolation(PolicyViolation, ImportError):
    """A refused import; an ``ImportError`` so ``try: import x`` fallbacks still work."""


class SafeModule(types.ModuleType):
    """A module facade holding only the public names of an allowed module."""


def _deny_attr(obj: Any, name: str) -> AttributePolicyViolation:
    return AttributePolicyViolation(
        f"access to attribute {name!r} of {type(obj).__name__} objects "
        "is not allowed in the sandbox"
    )


def check_name(obj: Any, name: str) -> None:
    if name in ALWAYS_DENIED or is_reserved(name):
        raise _deny_attr(obj, name)
    if is_internal_attr(name) and isinstance(obj, _INTERNAL_TYPES):
        raise _deny_attr(obj, name)


def check_value(obj: Any, name: str, value: Any) -> Any:
    """Refuse values that are themselves an escape hatch, whatever name led to them."""
    if isinstance(value, types.ModuleType) and not isinstance(value, SafeModule):
        raise _deny_attr(obj, name)
    if isinstance(value, _FORBIDDEN_VALUES):
        raise _deny_attr(obj, name)
    if type(value) is dict and "__builtins__" in value:  # a globals dict
        raise _deny_attr(obj, name)
    return value


def program_owned(obj: Any) -> bool:
    """Objects whose ``__dict__`` the program may see: what it defined itself."""
    if isinstance(obj, SafeModule):
        return False
    if isinstance(obj, (type, types.FunctionType)):
        return getattr(obj, "__module__", None) == PROGRAM_MODULE
    return getattr(type(obj), "__module__", None) == PROGRAM_MODULE


def _checked_lookup(real: Any) -> Any:
    """Wrap ``__getattribute__`` so ``object.__getattribute__(f, '__globals__')`` fails."""

    def lookup(*args: Any) -> Any:
        if not args or not isinstance(args[-1], str):
            return real(*args)
        name = args[-1]
        owner = args[0] if len(args) > 1 else None
        check_name(owner, name)
        return check_value(owner, name, real(*args))

    return lookup


def guarded_getattr(obj: Any, name: str, *default: Any) -> Any:
    """The checked attribute access the compiler emits, and the sandbox's ``getattr``."""
    if type(name) is not str:
        return getattr(obj, name, *default)  # raises the usual TypeError
    check_name(obj, name)
    if name in FORMAT_ATTRS and (isinstance(obj, str) or obj is str):
        return safe_format_attr(obj, name)
    try:
        value = getattr(obj, name)
    except AttributeError:
        if default:
            return default[0]
        raise
    if name in RUNTIME_CHECKED_DUNDERS:
        if name == "__dict__" and not program_owned(obj):
            raise _deny_attr(obj, name)
        if name == "__getattribute__":
            return _checked_lookup(value)
    return check_value(obj, name, value)


def safe_hasattr(obj: Any, name: str) -> bool:
    try:
        guarded_getattr(obj, name)
    except AttributeError:
        return False
    return True


def safe_setattr(obj: Any, name: str, value: Any) -> None:
    if type(name) is str:
        check_name(obj, name)
    setattr(obj, name, value)


def safe_delattr(obj: Any, name: str) -> None:
    if type(name) is str:
        check_name(obj, name)
    delattr(obj, name)


def safe_dir(*args: Any) -> list[str]:
    """``dir()`` at the program's top level lists its top-level names (locals of the
    entry function plus real globals), as it would at module level."""
    if args:
        return dir(*args)
    frame = sys._getframe(1)
    names = set(frame.f_locals)
    if frame.f_code.co_name == ENTRY_NAME:
        names |= {n for n in frame.f_globals if not is_reserved(n)}
        names.discard("__builtins__")
    return sorted(names)


def safe_vars(*args: Any) -> Any:
    if not args:
        return sys._getframe(1).f_locals
    (obj,) = args
    return guarded_getattr(obj, "__dict__")


# -- formatting --------------------------------------------------------------------
class SafeFormatter(string.Formatter):
    """``string.Formatter`` whose ``{0.attr}`` fields go through the attribute policy.

    Format fields are a classic way to smuggle attribute walks past a code review
    (``'{0.__class__.__init__.__globals__}'``), so they are held to a stricter rule than
    code: no underscore names at all. ``'{0.name}'`` and ``'{0[key]}'`` work as usual.
    """

    def get_field(self, field_name: str, args: Any, kwargs: Any) -> tuple[Any, Any]:
        first, rest = formatter_field_name_split(field_name)
        obj = self.get_value(first, args, kwargs)
        for is_attr, key in rest:
            if is_attr and key.startswith("_"):
                raise AttributePolicyViolation(
                    f"format field attribute {key!r} is not allowed in the sandbox"
                )
            obj = guarded_getattr(obj, key) if is_attr else obj[key]
        return obj, first


_FORMATTER = SafeFormatter()


def safe_format(template: str, /, *args: Any, **kwargs: Any) -> str:
    if "." not in template:  # no attribute fields possible: use the fast native path
        return str.format(template, *args, **kwargs)
    return _FORMATTER.vformat(template, args, kwargs)


def safe_format_map(template: str, mapping: Any, /) -> str:
    if "." not in template:
        return str.format_map(template, mapping)
    return _FORMATTER.vformat(template, (), mapping)


def safe_format_attr(obj: Any, name: str) -> Any:
    impl = safe_format if name == "format" else safe_format_map
    if obj is str or not isinstance(obj, str):
        return impl
    return lambda *a, **kw: impl(obj, *a, **kw)
