"""The program's ``sys``: what a model reads from it, nothing that reaches the interpreter.

Models write ``sys.version_info``, ``sys.maxsize``, ``sys.float_info`` and
``sys.stdout.write(...)`` in ordinary programs; the real module also holds ``modules``,
``path``, ``settrace``, ``_getframe`` and the process's streams. The facade holds copies
of the read-only facts, ``getrecursionlimit`` as a plain function, and ``stdout``/``stderr``
as streams whose ``write`` goes to the run's logs: ``stdout`` through the program's
``print`` (so ``contextlib.redirect_stdout`` applies), ``stderr`` to the run's stderr,
whose lines the logs mark (``streams.STDERR_PREFIX``; ``redirect_stderr`` redirects it).
A name of the real module that is left out is refused by name, as an ``AttributeError``
(``hasattr(sys, "settrace")`` is False).
"""

from __future__ import annotations

import sys as _sys
import types
from collections.abc import Callable
from typing import Any

from .builtin_functions import builtin_function
from .checks import AttributePolicyViolation
from .facades import ERROR_REDIRECTS
from .ownership import PROGRAM_FILENAME, SafeModule

#: Read-only facts copied from the real module (immutable values: ints, str, structseqs).
FACTS: tuple[str, ...] = tuple(
    """version_info version hexversion maxsize maxunicode float_info int_info hash_info
    byteorder platform float_repr_style""".split()
)

_WHY = {
    "stdin": "there is no console input in the sandbox",
    "setrecursionlimit": "the recursion limit belongs to the sandbox",
}


class SysModule(SafeModule):
    """``sys`` facade: a name of the real module that is not here is refused with a
    reason (an ``AttributeError``, so ``hasattr``/``getattr(sys, n, d)`` work)."""

    def __getattr__(self, name: str) -> Any:
        if hasattr(_sys, name):
            why = _WHY.get(name, "it reaches the interpreter or the process")
            raise AttributePolicyViolation(f"sys.{name} is not available in the sandbox: {why}")
        raise AttributeError(f"module 'sys' has no attribute {name!r}")


class TextStream:
    """``sys.stdout``/``sys.stderr``: a text stream whose ``write`` is a closure (nothing
    reachable from it leads to the run: no ``__self__``, ``__closure__`` is denied)."""

    encoding = "utf-8"
    errors = "strict"
    closed = False

    def __init__(self, name: str, say: Callable[[str], None]) -> None:
        self.name = name

        def write(text: Any, /) -> int:
            if type(text) is not str and not isinstance(text, str):
                raise TypeError(f"write() argument must be str, not {type(text).__name__}")
            say(str(text))
            return len(text)

        self.write = builtin_function("write", write)

    def flush(self) -> None:
        return None

    def writable(self) -> bool:
        return True

    def readable(self) -> bool:
        return False

    def isatty(self) -> bool:
        return False

    def __repr__(self) -> str:
        return f"<_io.TextIOWrapper name='{self.name}' mode='w' encoding='utf-8'>"


def system_exit(status: Any = None, /) -> Any:
    """``sys.exit()``, ``exit()``, ``quit()``: CPython's ``SystemExit``. Uncaught with
    status 0 or None it ends the program successfully (result None), as a script's exit
    status 0 does; any other status is the run's error."""
    raise SystemExit(status)


def build(say: Callable[[str], None], say_error: Callable[[str], None]) -> SysModule:
    """The facade, writing ``stdout`` to ``say`` (the run's console) and ``stderr`` to
    ``say_error`` (the run's stderr, marked in the logs), unless redirected."""
    facade = SysModule("sys", _sys.__doc__)
    for name in FACTS:
        setattr(facade, name, getattr(_sys, name))
    real = _sys.implementation
    facade.implementation = types.SimpleNamespace(
        name=real.name, version=real.version, hexversion=real.hexversion, cache_tag=None
    )
    limit = _sys.getrecursionlimit
    facade.getrecursionlimit = builtin_function("getrecursionlimit", lambda: limit())
    facade.exit = builtin_function("exit", system_exit)
    # plain functions over the real builtins, whose __self__ would be the real module
    size, intern = _sys.getsizeof, _sys.intern
    facade.getsizeof = builtin_function("getsizeof", lambda *a: size(*a))
    facade.intern = builtin_function("intern", lambda s, /: intern(s))
    facade.argv = [PROGRAM_FILENAME]  # the program's own list, as a script's is
    facade.stdout = TextStream("<stdout>", say)

    def write_error(text: str) -> None:
        redirects = ERROR_REDIRECTS.get()
        if redirects:  # inside contextlib.redirect_stderr(...)
            redirects[-1].write(text)
        else:
            say_error(text)

    facade.stderr = TextStream("<stderr>", write_error)
    return facade
