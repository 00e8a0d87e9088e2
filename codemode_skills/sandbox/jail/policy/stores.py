"""The write side of the policy: attribute stores and deletes, ``setattr``/``delattr``,
the wrapped ``__setattr__``/``__delattr__``, and the class of ``match`` class patterns.

A program may change only what it made: never a class, function or real module of the
standard library, the sandbox or (in-process) the host; private names only on its own
objects; ``__class__``/``__dict__`` only on its own plain objects (no swapping a stdlib
object into a program class, which would then own its ``__dict__``).
"""

from __future__ import annotations

import types
from typing import Any

from .builtin_functions import BuiltinFunction
from .checks import (
    PER_OBJECT,
    PolicyViolation,
    _deny_store,
    check_name,
    decision_cache,
    remember,
)
from .names import (
    ALWAYS_DENIED,
    CAPABILITY_ATTRS,
    CONVENTIONAL_PRIVATE,
    FORMAT_ATTRS,
    RESERVED_PREFIX,
    exact_name,
    is_private,
)
from .ownership import (
    NAMESPACE_TYPES,
    SafeModule,
    dict_safe,
    is_capability,
    program_class,
    program_function,
    program_owned,
)

_INTERPRETER_CALLABLES: tuple[type, ...] = (
    types.BuiltinFunctionType,
    BuiltinFunction,  # the replaced builtins (shared by every run in-process)
    types.MethodType,
    types.WrapperDescriptorType,
    types.MethodWrapperType,
    types.MethodDescriptorType,
    types.ClassMethodDescriptorType,
    types.GetSetDescriptorType,
    types.MemberDescriptorType,
)
#: What ``bound_self`` answers for an unbound slot method.
UNBOUND = object()
_STORE_OK = decision_cache()
_STORE_NAMED_OK = decision_cache()
_OWNED_OK = decision_cache()


def bound_self(method: Any) -> Any:
    """The object a slot method is bound to, or UNBOUND for an unbound one (whose
    first argument is then the target: ``object.__setattr__(target, name, value)``)."""
    owner = getattr(method, "__self__", UNBOUND)
    return UNBOUND if issubclass(type(owner), types.ModuleType) else owner


def wrap_store(real: Any) -> Any:
    """A ``__setattr__`` or ``__delattr__`` (bound or unbound) that checks the store
    first: the name is the exact ``str`` it spells, checked and used as such; the
    value, if any, passes through (a wrong argument count is CPython's own TypeError)."""
    bound = bound_self(real)
    if bound is UNBOUND:

        def unbound_store(target: Any, name: Any, /, *value: Any) -> Any:
            name = exact_name(name)
            if type(name) is str:
                check_store(target, name)
            return real(target, name, *value)

        return unbound_store

    def bound_store(name: Any, /, *value: Any) -> Any:
        name = exact_name(name)
        if type(name) is str:
            check_store(bound, name)
        return real(name, *value)

    return bound_store


def _check_target(obj: Any, name: str | None) -> None:
    if issubclass(type(obj), type):
        ok = program_class(obj)
    elif issubclass(type(obj), types.ModuleType):
        ok = issubclass(type(obj), SafeModule)
    elif issubclass(type(obj), types.FunctionType):
        ok = program_function(obj)
    else:  # builtins, methods, descriptors are never the program's; nor capabilities
        ok = (
            not issubclass(type(obj), _INTERPRETER_CALLABLES)
            and not is_capability(obj)
            and (program_class(type(obj)) or not _forwards_stores(type(obj)))
        )
    if not ok:
        raise _deny_store(obj, name)


def _forwards_stores(cls: type) -> bool:
    """A stdlib class whose Python-level ``__setattr__``/``__delattr__`` may write
    elsewhere: ``typing.Counter.x = f`` sets ``collections.Counter.x``."""
    for hook in ("__setattr__", "__delattr__"):
        for klass in type.__dict__["__mro__"].__get__(cls):
            found = klass.__dict__.get(hook)
            if found is not None:
                if type(found) is types.FunctionType and not program_function(found):
                    return True
                break
    return False


def check_store(obj: Any, name: str) -> None:
    """Whether the program may set or delete ``obj.<name>``: never on a class, function
    or real module it did not make (they are shared with the sandbox and, in-process,
    the host), private names only on its own objects, and ``__class__``/``__dict__``
    only on its own plain objects (no swapping a stdlib object into a program class)."""
    check_name(obj, name)
    _check_target(obj, name)
    if name == "__match_args__":  # checked when a match uses it; set in the class body
        raise _deny_store(obj, name)
    if is_private(name) and not (program_owned(obj) or issubclass(type(obj), NAMESPACE_TYPES)):
        raise _deny_store(obj, name)
    if name in ("__class__", "__dict__") and not issubclass(type(obj), type):
        cls = type(obj)
        if not (program_class(cls) and dict_safe(cls)) and cls is not types.SimpleNamespace:
            raise _deny_store(obj, name)


def store_target(obj: Any) -> Any:
    """``obj.name = v`` compiles to ``store_target(obj).name = v`` (public names)."""
    kind = type(obj)
    if kind in _STORE_OK:
        return obj
    _check_target(obj, None)
    if not issubclass(type(obj), PER_OBJECT):
        remember(_STORE_OK, kind)
    return obj


def store_target_named(obj: Any, name: str) -> Any:
    """The same for private and dunder names, whose rules depend on the name."""
    key = (type(obj), name)
    if key in _STORE_NAMED_OK:
        return obj
    check_store(obj, name)
    if not issubclass(type(obj), PER_OBJECT):
        remember(_STORE_NAMED_OK, key)
    return obj


def check_self_owned(obj: Any) -> None:
    """Entry check of a method that sets private names on ``self`` natively: ``self`` is
    the program's own object (not ``Method(json.JSONEncoder, ...)`` called unbound)."""
    kind = type(obj)
    if kind in _OWNED_OK:
        return
    if not (program_owned(obj) or issubclass(type(obj), NAMESPACE_TYPES)):
        raise _deny_store(obj, None)
    if not issubclass(type(obj), PER_OBJECT):
        remember(_OWNED_OK, kind)


_PLAIN_METACLASS_MODULES = frozenset({"builtins", "abc", "enum", "typing"})


def match_class(cls: Any, positional: int) -> Any:
    """The class of a ``case Cls(a, b)`` pattern, checked before the ``match`` runs:
    CPython reads ``subject.<name>`` natively for each of the first ``positional`` names
    of ``Cls.__match_args__``, so those names must be ones the program may read on any
    instance: public, not a capability method, not ``format``; private names only for a
    program class with plain bases and metaclass ``type`` (whose instances are then the
    program's own). The metaclass must be a stdlib one, so the tuple checked here is the
    tuple CPython will use."""
    if not issubclass(type(cls), type):
        return cls  # CPython raises its own TypeError
    meta = type(cls)
    if program_class(meta) or meta.__module__ not in _PLAIN_METACLASS_MODULES:
        raise PolicyViolation(
            "positional patterns of classes with a custom metaclass are not allowed in the "
            "sandbox; use keyword patterns (case C(x=a))"
        )
    names: Any = ()
    for klass in type.__dict__["__mro__"].__get__(cls):
        if "__match_args__" in klass.__dict__:
            names = klass.__dict__["__match_args__"]
            break
    if type(names) is not tuple:
        return cls  # CPython raises its own TypeError
    own = meta is type and program_class(cls) and dict_safe(cls)
    for name in names[:positional]:
        if type(name) is not str:
            if isinstance(name, str):  # CPython reads a str subclass natively: refuse it
                raise PolicyViolation(
                    f"matching {cls.__qualname__} positionally reads an attribute named by "
                    "a str subclass, which is not allowed in the sandbox"
                )
            continue  # CPython raises its own TypeError
        refused = (
            name in ALWAYS_DENIED
            or name.startswith(RESERVED_PREFIX)
            or name in FORMAT_ATTRS
            or name in CAPABILITY_ATTRS
            or (name.startswith("__") and name.endswith("__"))
            or (is_private(name) and not own and name not in CONVENTIONAL_PRIVATE)
        )
        if refused:
            raise PolicyViolation(
                f"matching {cls.__qualname__} positionally reads attribute {name!r}, "
                "which is not allowed in the sandbox"
            )
    return cls


def safe_setattr(obj: Any, name: str, value: Any) -> None:
    name = exact_name(name)
    if type(name) is str:
        check_store(obj, name)
    setattr(obj, name, value)


def safe_delattr(obj: Any, name: str) -> None:
    name = exact_name(name)
    if type(name) is str:
        check_store(obj, name)
    delattr(obj, name)
