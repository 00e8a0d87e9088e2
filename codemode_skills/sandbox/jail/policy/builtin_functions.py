"""What a replaced builtin looks like to a program: CPython's builtin function.

The sandbox replaces ``getattr``, ``hasattr``, ``setattr``, ``delattr``, ``dir``, ``vars``,
``print`` and the refused ``open``, ``exec``... with checked Python functions. Shown as
they are, they read as the sandbox's plumbing (``<function guarded_getattr at 0x...>``,
``guarded_getattr() missing 1 required positional argument``). Each is therefore held by a
``BuiltinFunction``, which reads as CPython's ``builtin_function_or_method``: its repr is
``<built-in function print>``, its ``__name__`` and ``__qualname__`` are the builtin's, its
``__module__`` is ``builtins``, and its ``__doc__`` and ``__text_signature__`` are
CPython's.

It adds nothing a program can reach. It has no ``__dict__``; its slots hold the name, the
doc strings and the checked function, which is the ``__call__`` slot itself (a call costs
one slot lookup and no Python frame: ``sys._getframe(1)`` in the function is still the
caller's frame); the policy refuses every store on it (``stores``), as on a real builtin,
and it cannot be instantiated or subclassed by a program. ``print.__call__`` is what a
program held before this wrapper existed: a plain function whose ``__globals__``,
``__closure__`` and ``__code__`` are refused.
"""

from __future__ import annotations

import builtins as _builtins
import types
from collections.abc import Callable
from typing import Any

#: ``dir()`` of a builtin function, as CPython lists it.
_BUILTIN_DIR: tuple[str, ...] = tuple(dir(_builtins.len))
_KIND = "builtin_function_or_method"


class BuiltinFunction:
    # (no class docstring: ``__doc__`` is a slot, each instance's own; see the module's)
    __slots__ = ("__call__", "__doc__", "__name__", "__qualname__", "__text_signature__")
    __module__ = "builtins"

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        raise TypeError(f"cannot create '{_KIND}' instances")

    def __init_subclass__(cls, **kwargs: Any) -> None:
        raise TypeError(f"type '{_KIND}' is not an acceptable base type")

    def __repr__(self) -> str:
        return f"<built-in function {self.__name__}>"

    def __dir__(self) -> list[str]:
        return list(_BUILTIN_DIR)

    def __copy__(self) -> Any:  # a builtin is immutable: copies are the object itself
        return self

    def __deepcopy__(self, memo: Any) -> Any:
        return self


BuiltinFunction.__name__ = BuiltinFunction.__qualname__ = _KIND


def builtin_function(name: str, call: Callable[..., Any]) -> BuiltinFunction:
    """``call`` as the builtin ``name``, with CPython's doc strings for that name."""
    real = getattr(_builtins, name, None)
    if not isinstance(real, types.BuiltinFunctionType):
        real = None
    function = object.__new__(BuiltinFunction)
    for attr, value in (
        ("__call__", call),
        ("__name__", name),
        ("__qualname__", name),
        ("__doc__", real.__doc__ if real is not None else None),
        ("__text_signature__", real.__text_signature__ if real is not None else None),
    ):
        object.__setattr__(function, attr, value)
    return function
