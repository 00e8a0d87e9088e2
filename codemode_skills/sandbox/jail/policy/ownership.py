"""Who made an object: the program, or somebody else (the stdlib, the sandbox, the host).

The language policy trusts a program with what it defined itself and nothing more:

* private names (``_x``), the descriptor dunders and the capability methods
  (``get_loop``...) resolve only to attributes that program code defined, or to entries
  of a program-made object's own ``__dict__``. ``asyncio.Lock()._get_loop()``,
  ``fut._loop`` and ``MyEnum._convert_`` are refused; ``self._cache`` is not.
* ``__dict__`` is readable on program classes, functions and instances whose every base
  is program code or a plain, state-free stdlib base (``object``, ``Exception``,
  ``abc.ABC``, ``enum.Enum``...): an instance of a subclass of ``asyncio.Queue`` keeps
  the event loop the stdlib stored in its ``__dict__``.
* capability objects (event loops, selectors, sockets, real files, the sandbox's own
  plumbing) are refused as the value of any checked access, whatever name led there.
"""

from __future__ import annotations

import io
import selectors
import socket
import types
from typing import Any

#: ``__name__`` of every program, as for a script run with ``python file.py``.
PROGRAM_MODULE = "__main__"
#: The file name in every code object the program compiles to (see transformer).
PROGRAM_FILENAME = "<program>"


class SafeModule(types.ModuleType):
    """A module facade holding only the public names of an allowed module."""


#: Objects whose instance ``__dict__`` only ever holds what the program put there.
NAMESPACE_TYPES: tuple[type, ...] = (SafeModule, types.SimpleNamespace)

_POLICY = __name__.rpartition(".")[0]  # this package, wherever the jail lives
_JAIL = _POLICY.rpartition(".")[0]

#: Modules (the stdlib's, and the sandbox's own that programs can subclass from) whose
#: classes keep no capability in their instances' ``__dict__``, so a program subclass of
#: them may show its ``__dict__`` (see ``dict_safe``).
SAFE_BASE_MODULES: frozenset[str] = frozenset(
    """builtins abc typing collections collections.abc _collections_abc numbers enum types
    json.encoder json.decoder string random _random textwrap difflib graphlib fractions
    decimal _decimal datetime _datetime zoneinfo _zoneinfo dataclasses contextlib functools
    io _io csv _csv calendar statistics ipaddress uuid urllib.parse html array struct
    _struct itertools operator hmac re binascii copy time _blake2 unicodedata""".split()
) | {f"{_POLICY}.formatter", f"{_POLICY}.facades", f"{_POLICY}.guards", f"{_JAIL}.runtime"}

_MISSING = object()
_type_dict = type.__dict__["__dict__"].__get__
_type_mro = type.__dict__["__mro__"].__get__
_type_module = type.__dict__["__module__"].__get__


def program_class(cls: Any) -> bool:
    """A class defined by program code (its ``__module__`` is the program's)."""
    try:
        return _type_module(cls) == PROGRAM_MODULE
    except TypeError:
        return False


def program_function(fn: Any) -> bool:
    """A function compiled from the program (not forgeable: ``__code__`` is denied)."""
    return type(fn) is types.FunctionType and fn.__code__.co_filename == PROGRAM_FILENAME


def _owner(obj: Any) -> Any:
    """The object a ``super()`` proxy stands for; any other object itself."""
    return obj.__self__ if type(obj) is super else obj


def program_owned(obj: Any) -> bool:
    """Program classes, program functions and instances of program classes."""
    obj = _owner(obj)
    if issubclass(type(obj), type):
        return program_class(obj)
    if issubclass(type(obj), types.FunctionType):
        return program_function(obj)
    return program_class(type(obj))


def dict_safe(cls: type) -> bool:
    """Every class in ``cls.__mro__`` is program code, an exception class, or a
    state-free stdlib base (see SAFE_BASE_MODULES)."""
    return all(
        program_class(k) or _type_module(k) in SAFE_BASE_MODULES or issubclass(k, BaseException)
        for k in _type_mro(cls)
    )


def dict_readable(obj: Any) -> bool:
    """Whether the program may read ``obj.__dict__`` (or ``vars(obj)``)."""
    obj = _owner(obj)
    if issubclass(type(obj), SafeModule):
        return False
    if issubclass(type(obj), type):
        return program_class(obj)
    if issubclass(type(obj), types.FunctionType):
        return program_function(obj)
    cls = type(obj)
    if cls is types.SimpleNamespace:
        return True
    return program_class(cls) and dict_safe(cls)


_dict_offset = type.__dict__["__dictoffset__"].__get__


def lacks_dict(obj: Any) -> bool:
    """``obj`` has no ``__dict__`` (CPython's ``vars(obj)`` raises ``TypeError``): no
    instance dict, and no ``__dict__`` descriptor, ``__getattr__`` hook or Python-level
    ``__getattribute__`` in its class. A wrong answer could only refuse (the
    ``TypeError``), never read anything."""
    if _dict_offset(type(obj)):
        return False
    for klass in _type_mro(type(obj)):
        own = _type_dict(klass)
        if "__dict__" in own or "__getattr__" in own:
            return False
        if type(own.get("__getattribute__")) is types.FunctionType:
            return False
    return True


def _definer(mro: tuple[type, ...], name: str) -> Any:
    for klass in mro:
        if name in _type_dict(klass):
            return klass
    return _MISSING


def program_defines(obj: Any, name: str) -> bool:
    """Whether looking ``name`` up on ``obj`` lands on something program code defined
    (or on an entry of a program object's own ``__dict__``). Missing names answer as
    for the object's class, so the lookup itself raises ``AttributeError`` as usual."""
    if type(obj) is super:
        try:
            mro = _type_mro(obj.__self_class__)
            mro = mro[mro.index(obj.__thisclass__) + 1 :]
        except (AttributeError, TypeError, ValueError):
            return False
        klass = _definer(mro, name)
        return klass is _MISSING or program_class(klass)
    if issubclass(type(obj), type):
        klass = _definer(_type_mro(obj), name)
        if klass is _MISSING:
            klass = _definer(_type_mro(type(obj)), name)
        return program_class(obj) if klass is _MISSING else program_class(klass)
    if issubclass(type(obj), types.FunctionType):
        return program_function(obj)
    cls = type(obj)
    if issubclass(type(obj), NAMESPACE_TYPES) or program_class(cls):
        try:
            own = object.__getattribute__(obj, "__dict__")
        except AttributeError:
            own = None
        if own is not None and name in own:
            return True
    klass = _definer(_type_mro(cls), name)
    if klass is _MISSING:
        return issubclass(type(obj), NAMESPACE_TYPES) or program_class(cls)
    return program_class(klass)


# -- capability objects ----------------------------------------------------------------
_CAPABILITY_TYPES: list[type] = [selectors.BaseSelector, socket.socket]


def register_capability(*classes: type) -> None:
    """Instances of ``classes`` are refused as the value of any checked access (the
    sandbox's own plumbing registers itself here: the worker's channel and console)."""
    global _CAPABILITIES
    _CAPABILITY_TYPES.extend(c for c in classes if c not in _CAPABILITY_TYPES)
    _CAPABILITIES = tuple(_CAPABILITY_TYPES)
    for forget in _ON_REGISTER:
        forget()


#: Called when a capability type is registered (the guards' decision caches).
_ON_REGISTER: list[Any] = []


_CAPABILITIES: tuple[type, ...] = ()
register_capability()


def _event_loop_types() -> tuple[type, ...]:
    import asyncio.events

    return (asyncio.events.AbstractEventLoop, asyncio.events.Handle)


_LOOP_TYPES = _event_loop_types()
_FILE_BASE = io.IOBase.__mro__[1]  # the C base of every io class (_io._IOBase)
_MEMORY_FILES = (io.StringIO, io.BytesIO)


def is_capability(value: Any) -> bool:
    """Event loops and their handles, selectors, sockets, real files (anything io but
    in-memory buffers and the program's own io classes), and registered plumbing."""
    if issubclass(type(value), _LOOP_TYPES) or issubclass(type(value), _CAPABILITIES):
        return True
    if issubclass(type(value), _FILE_BASE):
        return not issubclass(type(value), _MEMORY_FILES) and not program_class(type(value))
    return False
