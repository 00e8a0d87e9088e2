"""The basics every check shares: the policy's exceptions, the name rule, and the
decision caches.

Most checks depend only on the type of the object (and the literal name): the answers
that came out "allowed" are remembered per type, so ``self._x`` in a hot method costs a set
lookup after the first time. Caches are bounded (cleared when full) and cleared when a
capability type is registered (see ownership.register_capability).
"""

from __future__ import annotations

import types
from typing import Any

from .names import ALWAYS_DENIED, RESERVED_PREFIX, is_internal_attr
from .ownership import _ON_REGISTER, NAMESPACE_TYPES

_INTERNAL_TYPES: tuple[type, ...] = (
    types.FrameType,
    types.CodeType,
    types.TracebackType,
    types.GeneratorType,
    types.CoroutineType,
    types.AsyncGeneratorType,
    types.FunctionType,
)


class PolicyViolation(Exception):
    """The program tried something the sandbox policy does not allow."""


class AttributePolicyViolation(PolicyViolation, AttributeError):
    """A refused attribute; an ``AttributeError`` so ``hasattr`` answers False."""


class ModulePolicyViolation(PolicyViolation, ModuleNotFoundError):
    """A module the sandbox does not allow. To the program it is CPython's
    ``ModuleNotFoundError`` (its name, ``except ModuleNotFoundError``/``ImportError``, ``e.name``),
    so ``try: import x`` fallbacks work as they would where ``x`` is not installed; the
    message says why, and an uncaught one is reported as a ``PolicyViolation``."""


ModulePolicyViolation.__name__ = ModulePolicyViolation.__qualname__ = "ModuleNotFoundError"
ModulePolicyViolation.__module__ = "builtins"


def _deny_attr(obj: Any, name: str) -> AttributePolicyViolation:
    return AttributePolicyViolation(
        f"access to attribute {name!r} of {type(obj).__name__} objects "
        "is not allowed in the sandbox"
    )


def _deny_store(obj: Any, name: str | None) -> AttributePolicyViolation:
    what = f"attribute {name!r} of " if name else "attributes of "
    kind = "the class" if issubclass(type(obj), type) else f"{type(obj).__name__} objects"
    target = f"{kind} {obj.__qualname__!r}" if issubclass(type(obj), type) else kind
    return AttributePolicyViolation(
        f"setting {what}{target} is not allowed in the sandbox "
        "(only objects the program made itself can be changed)"
    )


def check_name(obj: Any, name: str) -> None:
    if name in ALWAYS_DENIED or name.startswith(RESERVED_PREFIX):
        raise _deny_attr(obj, name)
    if issubclass(type(obj), _INTERNAL_TYPES) and is_internal_attr(name):
        raise _deny_attr(obj, name)


_CACHE_LIMIT = 4096
_CACHES: list[set[Any]] = []
#: Objects whose checks depend on the object itself, not only on its type.
PER_OBJECT: tuple[type, ...] = (type, types.FunctionType, types.ModuleType, super, *NAMESPACE_TYPES)


def decision_cache() -> set[Any]:
    """A new cache of allowed decisions, cleared with all the others."""
    cache: set[Any] = set()
    _CACHES.append(cache)
    return cache


def remember(cache: set[Any], key: Any) -> None:
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()
    cache.add(key)


def forget_decisions() -> None:
    for cache in _CACHES:
        cache.clear()


_ON_REGISTER.append(forget_decisions)
