"""The attribute-name rules of the language policy, in one place.

The policy blocks only what an *escape* needs. An ordinary program may use data-model
methods, private attributes of its own objects and most dunders; what it may never reach
are the handles that lead from a harmless object to the interpreter's internals
(frames, code objects, globals, the class graph, raw modules).
"""

from __future__ import annotations

import re
from typing import Any

#: Prefix reserved for names the compiler injects (guards, the program entry point).
#: A program may not read, bind or delete any name with this prefix.
RESERVED_PREFIX = "__cm_"

#: Attribute names that are refused everywhere (a literal ``obj.name``, getattr()/hasattr(),
#: format fields...), when the access runs; at compile time only where CPython reads them
#: with no run-time hook (``match`` patterns) and in expressions compiled for the stdlib.
ALWAYS_DENIED: frozenset[str] = frozenset(
    {
        # the class graph: the classic route to every class in the interpreter
        "__subclasses__",
        "__mro__",
        "__bases__",
        "__base__",
        "mro",
        # function internals
        "__globals__",
        "__code__",
        "__closure__",
        "__builtins__",
        "func_globals",
        # import machinery and module internals
        "__loader__",
        "__spec__",
        "__import__",
        "__path__",
        "__file__",
        "__cached__",
        # pickling hooks hand back constructors and arbitrary callables
        "__reduce__",
        "__reduce_ex__",
        "__getstate__",
        "__setstate__",
        # tracebacks hold frames
        "__traceback__",
        "__subclasshook__",
        "__weakref__",
    }
)

#: Dunder names whose result needs a run-time check (see guards.guarded_getattr).
RUNTIME_CHECKED_DUNDERS: frozenset[str] = frozenset(
    {"__dict__", "__self__", "__getattribute__", "__setattr__", "__delattr__", "__func__"}
)

#: Attribute names of interpreter internals (frames, code, generators, coroutines,
#: tracebacks). They are refused only on those internal types, so a program's own
#: ``self.f_count`` still works.
_INTERNAL_ATTR = re.compile(r"^(f|co|gi|cr|ag|tb)_[a-z]+$")

#: str.format and str.format_map resolve ``{0.attr}`` fields with a raw getattr, so
#: they are routed through a checked formatter.
FORMAT_ATTRS: frozenset[str] = frozenset({"format", "format_map"})

#: Public methods of the standard library that hand out a capability: the event loop
#: (``Future.get_loop``, ``Task.get_loop``), a coroutine or the frames of another task.
#: They compile to a checked access and are refused unless program code defines them.
CAPABILITY_ATTRS: frozenset[str] = frozenset(
    {"get_loop", "get_coro", "get_stack", "print_stack", "get_context"}
)

#: Dunders that, called by hand on an object the program did not make, run stdlib code
#: against a target or a name of the program's choosing: the descriptor protocol
#: (``cached_property.__get__`` reads another object's ``__dict__``) and ``__getattr__``
#: (``typing.ChainMap.__getattr__(name)`` looks ``name`` up on ``collections.ChainMap``).
#: They resolve only to what program code defined, like private names.
DESCRIPTOR_DUNDERS: frozenset[str] = frozenset(
    {"__get__", "__set__", "__delete__", "__set_name__", "__getattr__"}
)

#: Private (single-underscore) names that are public API by convention, readable on any
#: object: namedtuple's helpers and Enum's member and class attributes.
CONVENTIONAL_PRIVATE: frozenset[str] = frozenset(
    {
        "_asdict",
        "_replace",
        "_fields",
        "_make",
        "_field_defaults",
        "_value_",
        "_name_",
        "_missing_",
        "_generate_next_value_",
        "_ignore_",
        "_order_",
        "_member_names_",
        "_member_map_",
        "_value2member_map_",
        "_member_type_",
        "_numeric_repr_",
    }
)


def is_dunder(name: str) -> bool:
    return len(name) > 4 and name.startswith("__") and name.endswith("__")


def is_private(name: str) -> bool:
    """``_x`` and ``_Class__x``: names a class keeps to itself (not dunders)."""
    return name.startswith("_") and not is_dunder(name)


def exact_name(name: Any) -> Any:
    """An attribute name as the exact ``str`` it spells; anything else unchanged.

    Every guard checks a name and then uses it natively. A ``str`` subclass (a program's
    own, or ``enum.StrEnum``'s) used to skip the checks (they ran only for
    ``type(name) is str``) and yet reach the attribute; and a subclass may also lie about
    its ``__hash__``/``__eq__`` to the dict lookups behind a native ``getattr``. So each
    guard turns the name into this exact copy first and both checks and uses the copy."""
    if type(name) is str or not isinstance(name, str):
        return name
    return str.__str__(name)


def is_internal_attr(name: str) -> bool:
    """True for ``gi_frame``, ``f_back``, ``co_code``, ``tb_frame`` and friends."""
    return bool(_INTERNAL_ATTR.match(name))


def needs_guard(name: str) -> bool:
    """Whether a literal ``obj.name`` must be compiled into a checked access.

    Plain public names compile to a native attribute load, so hot loops pay nothing.
    The names refused everywhere (``mro`` has no underscore) are refused by that check.
    """
    return (
        name.startswith("_")
        or name in ALWAYS_DENIED
        or name in FORMAT_ATTRS
        or name in CAPABILITY_ATTRS
        or is_internal_attr(name)
    )


def is_reserved(name: str) -> bool:
    return name.startswith(RESERVED_PREFIX)
