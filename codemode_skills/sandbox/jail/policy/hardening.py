"""Process-wide hardening of the standard library the sandbox runs on.

Two measures, because some stdlib code acts on objects a program steers:

* ``copy`` rebuilds an object from what ``__reduce_ex__`` returns: ``y = func(*args)``,
  then ``setattr(y, key, value)`` for every key of the state. A program class whose
  ``__new__`` returns ``json.JSONEncoder`` makes that a native store on a stdlib class
  by any name. ``guard_copy`` checks the rebuilt object and each name while a program
  runs (a context variable tells; host code copying objects is untouched).
* In a sandbox worker, whose interpreter runs nothing but the program, every class of
  the standard library and of this package is made immutable (``Py_TPFLAGS_IMMUTABLETYPE``,
  what CPython sets on its static types): no route, checked or native — an unbound
  stdlib method such as ``json.JSONEncoder.__init__(SomeClass, default=f)`` included —
  can patch a class that the worker's own machinery uses, and no stdlib object can be
  turned into an instance of a program class (``__class__`` assignment to or from an
  immutable type is refused by CPython). ``InProcessDriver`` cannot do this: the classes
  are the host's (docs/security.md says so).
"""

from __future__ import annotations

import contextvars
import copy
import ctypes
import gc
import sys
from typing import Any

from .guards import _deny_store, check_store, store_target
from .ownership import dict_safe, program_class, program_owned

#: True inside a running program (set by ``runtime.ProgramRun.run``).
IN_PROGRAM: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "codemode_in_program", default=False
)

_real_reconstruct = copy._reconstruct  # type: ignore[attr-defined]


def _checked_reconstruct(
    x: Any,
    memo: Any,
    func: Any,
    args: Any,
    state: Any = None,
    listiter: Any = None,
    dictiter: Any = None,
    *,
    deepcopy: Any = copy.deepcopy,
) -> Any:
    if not IN_PROGRAM.get() or (state is None and listiter is None and dictiter is None):
        return _real_reconstruct(x, memo, func, args, state, listiter, dictiter, deepcopy=deepcopy)

    def checked_func(*a: Any) -> Any:
        y = func(*a)
        store_target(y)  # no class, function or real module the program did not make
        if program_owned(y) and not issubclass(type(y), type) and not dict_safe(type(y)):
            raise _deny_store(y, None)
        if state is not None:
            slots = state[1] if isinstance(state, tuple) and len(state) == 2 else None
            for key in slots or ():
                if type(key) is not str and isinstance(key, str):
                    raise _deny_store(y, None)  # a str subclass would skip the check
                if type(key) is str:
                    check_store(y, key)
        return y

    return _real_reconstruct(
        x, memo, checked_func, args, state, listiter, dictiter, deepcopy=deepcopy
    )


def guard_copy() -> None:
    """Install the checked ``copy._reconstruct`` (idempotent)."""
    copy._reconstruct = _checked_reconstruct  # type: ignore[attr-defined]


# -- immutable and final classes (sandbox workers only) ----------------------------------
_IMMUTABLETYPE = 1 << 8
_HEAPTYPE = 1 << 9


def _flags_offset() -> int | None:
    """Where ``tp_flags`` sits in a type object, found (and checked) at run time."""
    probe = type("_Probe", (), {})
    for offset in range(8 * 16, 8 * 32, ctypes.sizeof(ctypes.c_ulong)):
        if ctypes.c_ulong.from_address(id(probe) + offset).value == probe.__flags__:
            if ctypes.c_ulong.from_address(id(int) + offset).value == int.__flags__:
                return offset
    return None


def _stdlib_or_ours(cls: type) -> bool:
    module = type.__dict__["__module__"].__get__(cls)
    if not isinstance(module, str):
        return False
    top = module.split(".", 1)[0].lstrip("_")
    return top in sys.stdlib_module_names or top == "codemode_skills" or module == "builtins"


#: How many classes ``freeze_classes`` froze in this process (inherited by workers).
frozen_count = 0


def freeze_classes() -> int:
    """Make every stdlib (and sandbox) heap type loaded so far immutable. Call once in
    the template, after preloading and before any program. Subclassing them still works
    (a subclass is mutable), so modules imported later load as usual. Returns how many
    classes were changed (0 where tp_flags cannot be located safely)."""
    offset = _flags_offset()
    if offset is None:
        return 0
    changed = 0
    for obj in gc.get_objects():
        if not issubclass(type(obj), type) or not obj.__flags__ & _HEAPTYPE or program_class(obj):
            continue
        if not _stdlib_or_ours(obj) or not _stdlib_or_ours(type(obj)):
            continue  # (a class of a third-party metaclass, pydantic's, may set attributes)
        flags = ctypes.c_ulong.from_address(id(obj) + offset)
        if not flags.value & _IMMUTABLETYPE:
            flags.value |= _IMMUTABLETYPE
            changed += 1
    global frozen_count
    frozen_count += changed
    return changed


def freeze(*classes: type) -> None:
    """Make ``classes`` immutable (the sandbox's own program-visible classes, which the
    in-process driver shares between executions: one run must not patch them for the
    next). Subclasses stay mutable."""
    offset = _flags_offset()
    if offset is None:
        return
    for cls in classes:
        if cls.__flags__ & _HEAPTYPE:
            flags = ctypes.c_ulong.from_address(id(cls) + offset)
            flags.value |= _IMMUTABLETYPE
