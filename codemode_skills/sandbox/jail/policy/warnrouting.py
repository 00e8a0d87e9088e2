"""The interpreter's warnings, while a program runs, are the program's.

CPython decides about a warning in C (``_warnings``), reading ``filters``,
``defaultaction`` and ``onceregistry`` off the ``warnings`` module in ``sys.modules`` each
time, and shows it by calling that module's ``_showwarnmsg``. ``route_interpreter_warnings``
gives that module a class whose properties answer those names from the running program's
``warnings`` (``ACTIVE``) in the program's context, and from the module's own
dictionary everywhere else. So a warning the standard library or the interpreter raises
during a run (``re``'s ``FutureWarning``, a coroutine never awaited, a deprecation from C)
follows the program's filters, ``error`` included, and is shown through the program's
hooks (its ``showwarning``, ``catch_warnings(record=True)``, its ``sys.stderr``), while
the host's warnings, in-process, keep the host's filters and hooks. Stdlib code that
changes filters during a run (``re.template`` uses ``catch_warnings`` and
``simplefilter``) changes the program's, as the names it looks up on the module are
routed too.

The module's own functions read their globals, not these properties: nothing in the
program's context calls them (``warn`` is the C function; a program gets the facade).
"""

from __future__ import annotations

import _warnings
import contextvars
import sys
import types
from typing import Any

#: The running program's warnings (a ``warnstate.ProgramWarnings``): set in the program's
#: context by the drivers, and by the program's own ``warn`` while it raises one.
ACTIVE: contextvars.ContextVar[Any] = contextvars.ContextVar(
    "codemode_program_warnings", default=None
)


#: Module names the interpreter (and stdlib code using ``warnings.<name>``) looks up,
#: with the name of the program module's attribute that answers for it.
ROUTED: dict[str, str] = {
    "filters": "filters",
    "defaultaction": "defaultaction",
    "_defaultaction": "defaultaction",
    "onceregistry": "onceregistry",
    "_onceregistry": "onceregistry",
    "showwarning": "showwarning",
    "formatwarning": "formatwarning",
    "simplefilter": "simplefilter",
    "filterwarnings": "filterwarnings",
    "resetwarnings": "resetwarnings",
    "catch_warnings": "catch_warnings",
    "_showwarnmsg_impl": "_showwarnmsg_impl",
    "_showwarning_orig": "_showwarning_orig",
    "_formatwarning_orig": "_formatwarning_orig",
}


def _routed(name: str, facade_name: str) -> property:
    def get(module: types.ModuleType) -> Any:
        state = ACTIVE.get()
        if state is not None:
            if name == "_showwarnmsg":  # the message is made fit for the program first
                return state.show_from_interpreter
            return getattr(state.module, facade_name)
        try:
            return module.__dict__[name]
        except KeyError:
            raise AttributeError(f"module 'warnings' has no attribute {name!r}") from None

    def set_(module: types.ModuleType, value: Any) -> None:
        state = ACTIVE.get()
        if state is not None:
            setattr(state.module, facade_name, value)
        else:
            module.__dict__[name] = value

    def delete(module: types.ModuleType) -> None:
        state = ACTIVE.get()
        if state is not None:
            delattr(state.module, facade_name)
        else:
            del module.__dict__[name]

    return property(get, set_, delete)


class InterpreterWarnings(types.ModuleType):
    """The class of the real ``warnings`` module once routed (see the module docstring).
    Not a ``SafeModule``: it is still refused as a value, like every real module."""


for _name, _facade_name in {**ROUTED, "_showwarnmsg": "_showwarnmsg"}.items():
    setattr(InterpreterWarnings, _name, _routed(_name, _facade_name))


class _Probe:
    """A program state whose only filter raises: routing works if a warning raises."""

    def __init__(self) -> None:
        self.module = types.SimpleNamespace(
            filters=[("error", None, Warning, None, 0)], defaultaction="ignore", onceregistry={}
        )

    def show_from_interpreter(self, msg: Any) -> None:
        return None


def _routes() -> bool:
    def attempt() -> bool:
        ACTIVE.set(_Probe())
        try:
            _warnings.warn_explicit("probe", UserWarning, "probe", 1, "probe", {})
        except UserWarning:
            return True
        return False

    return contextvars.copy_context().run(attempt)


def route_interpreter_warnings() -> bool:
    """Route the real ``warnings`` module (idempotent). False where this interpreter's
    warnings do not read the module as expected (found once, by a probe): there a
    program's ``warn`` raises ``RuntimeError`` rather than use the process's filters and
    hooks, and warnings the interpreter raises during a run are the process's."""
    real = sys.modules.get("warnings")
    if real is None:
        import warnings as real
    if type(real) is InterpreterWarnings:
        return True
    if _UNROUTABLE or type(real) is not types.ModuleType:
        return False
    real.__class__ = InterpreterWarnings
    if _routes():
        return True
    real.__class__ = types.ModuleType
    _UNROUTABLE.append(True)
    return False


#: Not empty once the probe found that routing does not work here.
_UNROUTABLE: list[bool] = []
