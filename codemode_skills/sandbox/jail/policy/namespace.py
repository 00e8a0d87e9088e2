"""What a program holds that leads back to the sandbox: ``tools``, ``skills`` and ``print``.

Each keeps the run (and through it, in a worker, the channel to the host with its socket
and token) only in closure cells, which no program can read (``__closure__`` is denied):
not in attributes, not as the ``__self__`` of a bound method (F03).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from ..wire import POSITIONAL
from .builtin_functions import BuiltinFunction, builtin_function


class Namespace:
    """``tools`` / ``skills``: attribute access yields an async function per name.

    The only thing it keeps that leads anywhere is a closure (``_resolve``): the call
    function, and through it the run and the channel, sit in closure cells, which no
    program can read (``__closure__`` is denied), not in attributes (F03)."""

    def __init__(
        self, kind: str, names: Iterable[str], call: Callable[..., Awaitable[Any]]
    ) -> None:
        self._kind = kind
        self._known = known = frozenset(names)
        cache = self.__dict__

        def resolve(name: str) -> Any:
            # ``skills`` is open: a skill registered during the run is callable at once,
            # and the host answers for names it does not know. ``tools`` is a fixed set.
            if name not in known and (kind == "tools" or name.startswith("_")):
                hint = ", ".join(sorted(known)) or "none"
                label = "tool" if kind == "tools" else "skill"
                raise AttributeError(f"there is no {label} named {name!r} (available: {hint})")

            def invoke(*args: Any, **kwargs: Any) -> Awaitable[Any]:
                if args:
                    if len(args) == 1 and isinstance(args[0], dict) and not kwargs:
                        kwargs = args[0]
                    else:  # the host maps them to the schema's parameters, in order
                        kwargs = {POSITIONAL: list(args), **kwargs}
                return call(kind, name, kwargs)

            invoke.__name__ = invoke.__qualname__ = name
            cache[name] = invoke  # later lookups skip __getattr__
            return invoke

        self._resolve = resolve

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name == "_resolve":  # copy probing for hooks...
            raise AttributeError(name)
        return self._resolve(name)

    def __dir__(self) -> list[str]:
        return sorted(self._known)

    def __repr__(self) -> str:
        return f"<{self._kind}: {', '.join(sorted(self._known))}>"


_SPACE, _NEWLINE = " ", "\n"  # print's defaults: a call that passes neither skips the checks


def _text_option(label: str, value: Any, default: str) -> str:
    if value is None:
        return default
    if type(value) is not str and not isinstance(value, str):
        raise TypeError(f"{label} must be None or a string, not {type(value).__name__}")
    return value


def make_print(write: Callable[[str], None], redirects: list[Any]) -> BuiltinFunction:
    """The program's ``print``, as CPython's builtin (``builtin_functions``), with its
    argument checks. What it calls is a plain function, not a bound method, so nothing
    the program can reach from it (``__closure__`` is denied, there is no ``__self__``)
    leads to the run or the worker's channel (F03)."""

    def print(
        *args: Any,
        sep: Any = _SPACE,
        end: Any = _NEWLINE,
        file: Any = None,
        flush: Any = False,
        **invalid: Any,
    ) -> None:
        if invalid:
            raise TypeError(f"'{next(iter(invalid))}' is an invalid keyword argument for print()")
        if sep is not _SPACE:
            sep = _text_option("sep", sep, _SPACE)
        if end is not _NEWLINE:
            end = _text_option("end", end, _NEWLINE)
        if file is None and redirects:  # inside contextlib.redirect_stdout(...)
            file = redirects[-1]
        if file is None:
            write(sep.join(map(str, args)) + end)
            return
        for i, arg in enumerate(args):  # as CPython writes to a file: piece by piece
            if i:
                file.write(sep)
            file.write(str(arg))
        file.write(end)
        if flush:
            file.flush()

    return builtin_function("print", print)
