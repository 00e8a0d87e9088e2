"""Run-time checks that back the compile-time policy.

The compiler routes only a few attribute loads here (underscore names, ``format``,
interpreter-internal names, the capability methods such as ``get_loop``, and the names
refused everywhere such as ``__globals__`` or ``mro``, refused here when the line runs),
and attribute stores whose target is not the ``self`` of a method; ``getattr``/
``hasattr``/``vars``/``setattr``/``delattr`` are replaced by checked versions, and
``__getattribute__``/``__setattr__``/``__delattr__`` come back wrapped in the same checks,
so a computed name cannot reach what a literal one cannot (F11).
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any

from .checks import (
    PER_OBJECT,
    AttributePolicyViolation,
    ModulePolicyViolation,
    PolicyViolation,
    _deny_attr,
    _deny_store,
    check_name,
    decision_cache,
    forget_decisions,
    remember,
)
from .formatter import (
    SafeFormatter,
    police_format_value,
    safe_format,
    safe_format_attr,
    safe_format_map,
    use_checked_getattr,
)
from .names import (
    CAPABILITY_ATTRS,
    CONVENTIONAL_PRIVATE,
    DESCRIPTOR_DUNDERS,
    FORMAT_ATTRS,
    exact_name,
    is_private,
    is_reserved,
)
from .ownership import (
    PROGRAM_FILENAME,
    PROGRAM_MODULE,
    SafeModule,
    dict_readable,
    is_capability,
    lacks_dict,
    program_class,
    program_defines,
    program_owned,
)
from .stores import (
    UNBOUND,
    bound_self,
    check_self_owned,
    check_store,
    match_class,
    safe_delattr,
    safe_setattr,
    store_target,
    store_target_named,
    wrap_store,
)

#: The compiled entry function of every program (see transformer.ENTRY).
ENTRY_NAME = "__cm_main__"

#: Re-exported: the rest of the sandbox imports the policy's checks from here.
__all__ = [
    "ENTRY_NAME",
    "PROGRAM_MODULE",
    "AttributePolicyViolation",
    "ModulePolicyViolation",
    "PolicyViolation",
    "SafeFormatter",
    "SafeModule",
    "_deny_store",
    "check_name",
    "check_self_owned",
    "check_store",
    "forget_decisions",
    "guarded_getattr",
    "match_class",
    "program_owned",
    "safe_delattr",
    "safe_format",
    "safe_format_attr",
    "safe_format_map",
    "safe_hasattr",
    "safe_setattr",
    "safe_vars",
    "scope_names",
    "store_target",
    "store_target_named",
]

_FORBIDDEN_VALUES: tuple[type, ...] = (types.FrameType, types.CodeType, types.TracebackType)
_VALUE_OK = decision_cache()
_READ_OK = decision_cache()


def _program_only_mro(cls: type) -> bool:
    """Every class in ``cls.__mro__`` but ``object`` is program code: then every name
    an instance resolves is the program's, whatever the instance holds."""
    mro = type.__dict__["__mro__"].__get__(cls)
    return all(program_class(k) for k in mro[:-1]) and mro[-1] is object


def check_value(obj: Any, name: str, value: Any) -> Any:
    """Refuse values that are themselves an escape hatch, whatever name led to them."""
    kind = type(value)
    if kind in _VALUE_OK:
        return value
    _check_value(obj, name, value)
    if kind is not dict:  # a dict is refused or not by its keys
        remember(_VALUE_OK, kind)
    return value


def _check_value(obj: Any, name: str, value: Any) -> None:
    if issubclass(type(value), types.ModuleType) and not issubclass(type(value), SafeModule):
        raise _deny_attr(obj, name)
    if issubclass(type(value), _FORBIDDEN_VALUES):
        raise _deny_attr(obj, name)
    if type(value) is dict and "__builtins__" in value:  # a globals dict
        raise _deny_attr(obj, name)
    if is_capability(value):  # an event loop, a socket, a real file, the channel...
        raise _deny_attr(obj, name)


def _needs_owner(name: str) -> bool:
    """Names that resolve only to what program code defined (see ownership)."""
    if is_private(name):
        return name not in CONVENTIONAL_PRIVATE
    return name in CAPABILITY_ATTRS or name in DESCRIPTOR_DUNDERS


#: The class graph upwards: readable on a program's own classes (``C.__mro__``,
#: ``C.mro()``), refused on every other object. ``__subclasses__`` stays refused.
_ANCESTRY = frozenset({"__mro__", "__bases__", "__base__", "mro"})


def _precheck(obj: Any, name: str) -> None:
    key = (type(obj), name)
    if key in _READ_OK:
        return
    if name in _ANCESTRY and issubclass(type(obj), type) and program_class(obj):
        return  # the bases the program named and theirs: nothing it did not inherit
    check_name(obj, name)
    owner_rule = _needs_owner(name)
    if owner_rule and not program_defines(obj, name):
        raise _deny_attr(obj, name)
    if name == "__dict__" and not dict_readable(obj):
        raise _deny_attr(obj, name)
    if not issubclass(type(obj), PER_OBJECT) and (not owner_rule or _program_only_mro(key[0])):
        remember(_READ_OK, key)


def _postcheck(obj: Any, name: str, value: Any) -> Any:
    if name in FORMAT_ATTRS:
        return police_format_value(value)
    wrap = _SPECIAL_WRAPPERS.get(name)
    if wrap is not None:
        return wrap(value)
    return check_value(obj, name, value)


def _checked(obj: Any, name: Any, fetch: Callable[[], Any]) -> Any:
    if type(name) is not str:
        return fetch()  # raises the usual TypeError
    _precheck(obj, name)
    if name in FORMAT_ATTRS and (issubclass(type(obj), str) or obj is str):
        return safe_format_attr(obj, name)
    return _postcheck(obj, name, fetch())


def guarded_getattr(obj: Any, name: str, *default: Any) -> Any:
    """The checked attribute access the compiler emits, and the sandbox's ``getattr``."""
    name = exact_name(name)
    if type(name) is not str:
        return getattr(obj, name, *default)  # raises the usual TypeError
    if default:
        # a refused name reads as a missing one, as with hasattr(): the default
        try:
            return guarded_getattr(obj, name)
        except AttributeError:
            return default[0]
    _precheck(obj, name)
    if name in FORMAT_ATTRS and (issubclass(type(obj), str) or obj is str):
        return safe_format_attr(obj, name)
    return _postcheck(obj, name, getattr(obj, name))


use_checked_getattr(guarded_getattr)


# -- __getattribute__ / __setattr__ / __delattr__ ----------------------------------------


def _wrap_getattribute(real: Any) -> Any:
    bound = bound_self(real)
    if bound is UNBOUND:

        def unbound_get(target: Any, name: Any, /) -> Any:
            name = exact_name(name)  # checked and looked up as the same exact str
            return _checked(target, name, lambda: real(target, name))

        return unbound_get

    def bound_get(name: Any, /) -> Any:
        name = exact_name(name)
        return _checked(bound, name, lambda: real(name))

    return bound_get


_SPECIAL_WRAPPERS: dict[str, Callable[[Any], Any]] = {
    "__getattribute__": _wrap_getattribute,
    "__setattr__": wrap_store,  # a store and a delete are refused on the same targets
    "__delattr__": wrap_store,
}


def safe_hasattr(obj: Any, name: str) -> bool:
    try:
        guarded_getattr(obj, name)
    except AttributeError:
        return False
    return True


def scope_names(frame: types.FrameType) -> list[str]:
    """What ``dir()`` lists in ``frame``: at the program's top level, its globals, as at
    module level."""
    return sorted(scope_namespace(frame))


def scope_namespace(frame: types.FrameType) -> dict[str, Any]:
    """What ``vars()`` and ``locals()`` give in ``frame``: at the program's top level a
    copy of its globals (module semantics: there ``locals() is globals()``), elsewhere in
    the program the frame's locals, as CPython gives them. A frame that is not the
    program's (a stdlib function calling back ``vars``, say ``ExitStack.callback(vars)``)
    shows nothing: its locals are the stdlib's."""
    if frame.f_code.co_filename != PROGRAM_FILENAME:
        return {}
    if frame.f_code.co_name != ENTRY_NAME:
        return {n: v for n, v in frame.f_locals.items() if not is_reserved(n)}
    return program_globals(frame)


def program_globals(frame: types.FrameType) -> dict[str, Any]:
    """``globals()`` in ``frame``: a copy of the program's globals without the sandbox's
    own entries (the guards the compiler calls by name, ``__builtins__``); writing to it
    binds nothing. Empty for a frame that is not the program's."""
    if frame.f_code.co_filename != PROGRAM_FILENAME:
        return {}
    return {n: v for n, v in frame.f_globals.items() if not is_reserved(n) and n != "__builtins__"}


def safe_vars(obj: Any) -> Any:
    """``vars(obj)``: the checked ``__dict__``, or CPython's ``TypeError`` when ``obj``
    has none (``vars(1)``, an instance with ``__slots__``)."""
    if not lacks_dict(obj):
        try:
            return guarded_getattr(obj, "__dict__")
        except PolicyViolation:
            raise
        except AttributeError:
            pass
    raise TypeError("vars() argument must have __dict__ attribute")
