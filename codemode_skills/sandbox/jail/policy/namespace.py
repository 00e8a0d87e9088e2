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

#: Joins a namespace's name and a tool's in the flat name host and wire use: the program's
#: ``tools.time.now(...)`` is the host's ``time__now``. A namespace's name (an MCP server's)
#: never contains it, so the first occurrence is the boundary.
NESTED = "__"


def _grouped(names: frozenset[str]) -> dict[str, frozenset[str]]:
    """``{"time": {"now", ...}}`` from flat names such as ``time__now``."""
    groups: dict[str, set[str]] = {}
    for name in names:
        head, sep, tail = name.partition(NESTED)
        if sep and head and tail and not tail.startswith("_"):
            groups.setdefault(head, set()).add(tail)
    return {head: frozenset(tails) for head, tails in groups.items()}


class Namespace:
    """``tools`` / ``skills``: attribute access yields an async function per name.

    The only thing it keeps that leads anywhere is a closure (``_resolve``): the call
    function, and through it the run and the channel, sit in closure cells, which no
    program can read (``__closure__`` is denied), not in attributes (F03).

    ``tools`` nests: flat names ``server__tool`` appear as ``tools.server.tool``, where
    ``tools.server`` is another ``Namespace`` whose call function prefixes the name, held
    the same way (a closure cell), so a nested namespace holds no more than ``tools``."""

    def __init__(
        self,
        kind: str,
        names: Iterable[str],
        call: Callable[..., Awaitable[Any]],
        *,
        path: str = "",
    ) -> None:
        self._kind = kind
        known = frozenset(names)
        groups = _grouped(known) if kind == "tools" else {}
        nested = {f"{head}{NESTED}{tail}" for head, tails in groups.items() for tail in tails}
        self._known = listed = frozenset((known - nested) | groups.keys())
        cache = self.__dict__
        label = "tool" if kind == "tools" else "skill"
        where = f" on {path!r}" if path else ""

        def resolve(name: str) -> Any:
            if name in groups and name not in known:
                return branch(name)
            # ``skills`` is open: a skill registered during the run is callable at once,
            # and the host answers for names it does not know. ``tools`` is a fixed set.
            if name not in known and (kind == "tools" or name.startswith("_")):
                hint = ", ".join(sorted(listed)) or "none"
                raise AttributeError(
                    f"there is no {label} named {name!r}{where} (available: {hint})"
                )

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

        def branch(head: str) -> Namespace:
            def call_nested(kind_: str, name: str, kwargs: dict[str, Any]) -> Awaitable[Any]:
                return call(kind_, f"{head}{NESTED}{name}", kwargs)

            inner = Namespace(kind, groups[head], call_nested, path=head)
            cache[head] = inner
            return inner

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
