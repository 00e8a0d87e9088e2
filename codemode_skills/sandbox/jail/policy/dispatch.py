"""``functools.singledispatch`` without evaluating annotations.

CPython's ``register(func)`` (the annotation form) reads the dispatch type with
``typing.get_type_hints``, which *evaluates* string annotations and the strings inside
generic ones (``list["x"]``): code from a string, with the in-process host's real
``compile``. Here the annotation form reads the first parameter's annotation as it is: a
class, or a union of classes (``int | str``), else the ``TypeError`` CPython gives for an
annotation that is not a class; nothing is ever evaluated. The class form
(``@f.register(int)``) and ``register(cls, func)`` are CPython's own.
"""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Callable
from typing import Any


def singledispatch(func: Callable[..., Any]) -> Callable[..., Any]:
    """``functools.singledispatch`` whose ``register`` never evaluates annotations."""
    wrapper = functools.singledispatch(func)
    register = wrapper.register

    def checked_register(cls: Any, func: Callable[..., Any] | None = None) -> Any:
        if func is None and not isinstance(cls, type) and not _is_union(cls):
            if not callable(cls):
                return register(cls)  # CPython's own TypeError for a bad argument
            return register(_dispatch_type(cls), cls)
        return register(cls, func)

    functools.update_wrapper(checked_register, register)
    wrapper.register = checked_register  # type: ignore[attr-defined]
    return wrapper


def _is_union(cls: Any) -> bool:
    return isinstance(cls, types.UnionType) or typing.get_origin(cls) is typing.Union


def _dispatch_type(func: Callable[..., Any]) -> Any:
    annotations = getattr(func, "__annotations__", None) or {}
    names = [n for n in annotations if n != "return"]
    if not names:
        raise TypeError(
            f"Invalid first argument to `register()`: {func!r}. "
            "Use either `@register(some_class)` or plain `@register` "
            "on an annotated function."
        )
    name, annotation = names[0], annotations[names[0]]
    classes = typing.get_args(annotation) if _is_union(annotation) else (annotation,)
    if not classes or not all(isinstance(c, type) for c in classes):
        raise TypeError(f"Invalid annotation for {name!r}. {annotation!r} is not a class.")
    return annotation
