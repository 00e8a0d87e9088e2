"""Checked stand-ins for stdlib functions that would otherwise walk around the policy.

The policy checks attribute access in the program's own bytecode, so an allowed stdlib
function that looks attributes up by a name the program chooses, execs source built from
program data, or writes into shared objects is a way around it. Each such function is
replaced in its module's facade by a version that applies the same rules (see
docs/security.md, "Audit of the allowed modules"):

* ``functools.update_wrapper``/``wraps`` read through the checked getattr and write through
  the checked setattr (F01); ``cached_property`` writes only its owner's own ``__dict__``;
  ``total_ordering`` only program classes;
* ``dataclasses.dataclass``/``make_dataclass`` validate every field name before the
  real one pastes them into generated source (F12), and like ``fields``/``asdict``/
  ``astuple``/``replace`` take only program classes with plain bases;
* ``types.coroutine`` rewrites only the program's own functions;
* ``time.sleep`` waits in short slices, so a stop can land between them;
* ``contextlib.redirect_stdout`` redirects the program's ``print`` (``redirect_stderr`` its
  ``sys.stderr``), not the process's ``sys.stdout``;
* module functions bound to a shared stdlib instance (``random.seed``, ``secrets.choice``,
  ``calendar.setfirstweekday``...) are bound to a private instance per facade, and shared
  mutable constants are copied, so one execution cannot reach another's state.

None of them is a subclass of the real class it replaces: ``super(Facade, obj).method``
would reach the raw method (F16).
"""

from __future__ import annotations

import contextvars
import dataclasses
import functools
import keyword
import operator
import time as _time
import types
from collections.abc import Callable, Iterable
from typing import Any

from .guards import (
    AttributePolicyViolation,
    PolicyViolation,
    check_store,
    guarded_getattr,
    safe_setattr,
)
from .names import ALWAYS_DENIED, is_reserved
from .ownership import (
    PROGRAM_MODULE,
    dict_readable,
    dict_safe,
    program_class,
    program_function,
)

#: Where the running program's ``print`` writes while a ``redirect_stdout`` is active
#: (a stack per run; set by ``runtime.ProgramRun.run``).
OUTPUT_REDIRECTS: contextvars.ContextVar[list[Any] | None] = contextvars.ContextVar(
    "codemode_output_redirects", default=None
)
#: Where the program's ``sys.stderr`` writes while a ``redirect_stderr`` is active (the
#: same, for the stderr stream of ``sysfacade``).
ERROR_REDIRECTS: contextvars.ContextVar[list[Any] | None] = contextvars.ContextVar(
    "codemode_error_redirects", default=None
)


def _refuse(message: str) -> PolicyViolation:
    return PolicyViolation(message)


def _require_program_class(cls: Any, what: str) -> None:
    if not (issubclass(type(cls), type) and program_class(cls) and dict_safe(cls)):
        name = getattr(cls, "__qualname__", type(cls).__name__)
        raise _refuse(
            f"in the sandbox {what} applies only to classes the program defines with plain "
            f"bases ({name!r} is not)"
        )


# -- functools -------------------------------------------------------------------------
def update_wrapper(
    wrapper: Any,
    wrapped: Any,
    assigned: Iterable[str] = functools.WRAPPER_ASSIGNMENTS,
    updated: Iterable[str] = functools.WRAPPER_UPDATES,
) -> Any:
    """``functools.update_wrapper`` through the checked getattr and setattr: a name in
    ``assigned`` or ``updated`` reaches only what ``getattr(wrapped, name)`` would. The
    ``__dict__`` of an object the program may not read is treated as empty."""
    for attr in assigned:
        try:
            value = guarded_getattr(wrapped, attr)
        except AttributePolicyViolation:
            raise
        except AttributeError:
            continue
        safe_setattr(wrapper, attr, value)
    for attr in updated:
        if attr == "__dict__" and not dict_readable(wrapped):
            source: Any = {}
        else:
            source = guarded_getattr(wrapped, attr, {})
        guarded_getattr(wrapper, attr).update(source)
    safe_setattr(wrapper, "__wrapped__", wrapped)
    return wrapper


def wraps(
    wrapped: Any,
    assigned: Iterable[str] = functools.WRAPPER_ASSIGNMENTS,
    updated: Iterable[str] = functools.WRAPPER_UPDATES,
) -> Callable[[Any], Any]:
    return functools.partial(update_wrapper, wrapped=wrapped, assigned=assigned, updated=updated)


_NOT_FOUND = object()


class cached_property:
    """``functools.cached_property`` that caches only in its owner's own ``__dict__``
    (the real one reads and writes ``instance.__dict__[attrname]`` of any object)."""

    def __init__(self, func: Callable[[Any], Any]) -> None:
        self.func = func
        self.attrname: str | None = None
        self.__doc__ = getattr(func, "__doc__", None)

    def __set_name__(self, owner: type, name: str) -> None:
        if self.attrname is None:
            self.attrname = name
        elif name != self.attrname:
            raise TypeError(
                "Cannot assign the same cached_property to two different names "
                f"({self.attrname!r} and {name!r})."
            )

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        name = self.attrname
        if type(name) is not str:
            raise TypeError(
                "Cannot use cached_property instance without calling __set_name__ on it."
            )
        if not dict_readable(instance):
            raise _refuse(f"cached_property {name!r} works only on the program's own objects")
        check_store(instance, name)
        cache = instance.__dict__
        value = cache.get(name, _NOT_FOUND)
        if value is _NOT_FOUND:
            value = self.func(instance)
            cache[name] = value
        return value

    __class_getitem__ = classmethod(types.GenericAlias)


def total_ordering(cls: Any) -> Any:
    _require_program_class(cls, "total_ordering()")
    return functools.total_ordering(cls)


# -- dataclasses -----------------------------------------------------------------------
def _check_field_name(name: Any) -> None:
    if (
        type(name) is not str
        or not name.isidentifier()
        or keyword.iskeyword(name)
        or name in ALWAYS_DENIED
        or is_reserved(name)
    ):
        raise _refuse(f"invalid dataclass field name {name!r}: field names are identifiers")


_class_dict = type.__dict__["__dict__"].__get__
_class_mro = type.__dict__["__mro__"].__get__


def _check_plain_bases(cls: Any, what: str) -> None:
    """A program class with plain bases whose every metaclass is a stdlib one (a program
    metaclass could answer ``cls.__dataclass_fields__`` differently each time)."""
    _require_program_class(cls, what)
    for klass in _class_mro(cls):
        meta = type(klass)
        stdlib_meta = meta.__module__ in ("abc", "enum", "typing") and not program_class(meta)
        if meta is not type and not stdlib_meta:
            raise _refuse(f"{what} on a class with a custom metaclass is not supported here")


def _check_dataclass(cls: Any) -> None:
    """Everything the real ``dataclass`` will paste into generated source is a plain
    identifier: the class's own annotations (copied to a plain dict first, so what is
    checked is what is used) and the field names inherited from its bases."""
    _check_plain_bases(cls, "dataclass()")
    if "__dataclass_fields__" in _class_dict(cls):
        raise _refuse(f"{cls.__qualname__} is a dataclass already")
    own = dict(_class_dict(cls).get("__annotations__", {}))
    for name in own:
        _check_field_name(name)
    type.__setattr__(cls, "__annotations__", own)
    for base in _class_mro(cls)[1:]:
        _check_inherited_fields(base)


def _check_inherited_fields(base: type) -> None:
    inherited = _class_dict(base).get("__dataclass_fields__")
    if inherited is None:
        return
    if type(inherited) is not dict or not all(
        type(f) is dataclasses.Field for f in inherited.values()
    ):
        raise _refuse(f"{base.__qualname__}.__dataclass_fields__ is not a dataclass's")
    for f in inherited.values():
        _check_field_name(f.name)


def dataclass(cls: Any = None, /, **options: Any) -> Any:
    def wrap(target: Any) -> Any:
        _check_dataclass(target)
        return dataclasses.dataclass(target, **options)

    return wrap if cls is None else wrap(cls)


def make_dataclass(
    cls_name: str,
    fields: Iterable[Any],
    *,
    bases: tuple[type, ...] = (),
    namespace: dict[str, Any] | None = None,
    **options: Any,
) -> Any:
    """The class it makes is the program's (``__module__`` is the program's), and its
    field names and bases pass the same checks as for ``@dataclass``."""
    plain: list[Any] = []
    for item in fields:  # plain values: what is checked is what the real one iterates
        item = item if type(item) is str else tuple(item)
        _check_field_name(item if type(item) is str else item[0])
        plain.append(item)
    for base in bases:
        _check_plain_bases(base, "make_dataclass(bases=...)")
        for klass in _class_mro(base):
            _check_inherited_fields(klass)
    namespace = {**(namespace or {}), "__module__": PROGRAM_MODULE}
    return dataclasses.make_dataclass(cls_name, plain, bases=bases, namespace=namespace, **options)


def _instance_or_class(obj: Any, what: str) -> None:
    cls = obj if issubclass(type(obj), type) else type(obj)
    if not dataclasses.is_dataclass(cls):
        return  # the real function raises its own TypeError
    _require_program_class(cls, what)


def fields(class_or_instance: Any) -> Any:
    _instance_or_class(class_or_instance, "fields()")
    return dataclasses.fields(class_or_instance)


def asdict(obj: Any, **options: Any) -> Any:
    _instance_or_class(obj, "asdict()")
    return dataclasses.asdict(obj, **options)


def astuple(obj: Any, **options: Any) -> Any:
    _instance_or_class(obj, "astuple()")
    return dataclasses.astuple(obj, **options)


def replace(obj: Any, /, **changes: Any) -> Any:
    _instance_or_class(obj, "replace()")
    return dataclasses.replace(obj, **changes)


# -- types, contextlib -----------------------------------------------------------------
def coroutine(func: Any) -> Any:
    """``types.coroutine`` rewrites its argument's ``__code__`` flags: only for the
    program's own functions."""
    if issubclass(type(func), types.FunctionType) and not program_function(func):
        raise _refuse("types.coroutine() applies only to the program's own functions")
    return types.coroutine(func)


class redirect_stdout:
    """Send the program's ``print`` output to ``new_target`` (an object with ``write``)
    for the duration of the ``with`` block. The process's ``sys.stdout`` is not touched:
    in-process it belongs to the host."""

    def __init__(self, new_target: Any) -> None:
        self._target = new_target

    @staticmethod
    def _stack() -> list[Any] | None:
        return OUTPUT_REDIRECTS.get()

    def __enter__(self) -> Any:
        stack = self._stack()
        if stack is not None:
            stack.append(self._target)
        return self._target

    def __exit__(self, *exc: object) -> None:
        stack = self._stack()
        if stack:
            stack.pop()


class redirect_stderr(redirect_stdout):
    """Send what the program writes to its ``sys.stderr`` to ``new_target`` (``print``
    writes there only with ``file=sys.stderr``); the process's stderr is not touched."""

    @staticmethod
    def _stack() -> list[Any] | None:
        return ERROR_REDIRECTS.get()


# -- time ----------------------------------------------------------------------------
#: Longest single wait of ``time.sleep`` (see ``sleep``).
SLEEP_SLICE_S = 0.05


def sleep(*args: Any, **kwargs: Any) -> None:
    """``time.sleep``, waiting in slices of at most ``SLEEP_SLICE_S``. It blocks the
    program as CPython's does and counts against the run's timeout. Between slices
    Python code runs, so in-process the driver's stop (an asynchronous exception, which
    lands only between bytecodes) ends a long sleep within a slice rather than leaving
    the thread asleep; in a worker the host kills the process at the timeout anyway."""
    if kwargs:
        raise TypeError("time.sleep() takes no keyword arguments")
    if len(args) != 1:
        raise TypeError(f"time.sleep() takes exactly one argument ({len(args)} given)")
    secs = args[0]
    # as CPython reads it: a float, or an integer through __index__ (with its TypeError)
    secs = float(secs) if isinstance(secs, float) else operator.index(secs)
    if not secs > SLEEP_SLICE_S:  # short, negative or NaN: the real function's errors
        _time.sleep(secs)
        return
    end = _time.monotonic() + secs
    while (left := end - _time.monotonic()) > 0:
        _time.sleep(min(left, SLEEP_SLICE_S))


# -- shared state ----------------------------------------------------------------------
def rebind_shared(real: types.ModuleType, shared: Any, private: Any) -> dict[str, Any]:
    """Facade entries for the module functions that are bound methods of ``shared``
    (``random.seed`` is ``random._inst.seed``), bound to ``private`` instead."""
    out: dict[str, Any] = {}
    for name in getattr(real, "__all__", ()):
        value = getattr(real, name, None)
        if getattr(value, "__self__", None) is shared:
            out[name] = getattr(private, value.__name__)
    return out
