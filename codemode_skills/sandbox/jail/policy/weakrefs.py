"""The three ``weakref`` names that would hand a program more than it holds.

``ref``, ``WeakMethod``, ``WeakKeyDictionary``, ``WeakValueDictionary``, ``WeakSet``,
``getweakrefcount`` and the type objects are CPython's: a weak reference only leads back
to an object the program already had. Three are replaced:

* ``getweakrefs(obj)`` lists the weak references *anyone* holds to ``obj``. Those the
  stdlib, the sandbox or (in-process) the host made carry their callbacks
  (``WeakSet._remove``, a ``WeakValueDictionary``'s remover, a ``finalize``), and a
  callback leads to its container: ``asyncio``'s set of every task in the process, a
  host's cache. It lists only plain references and proxies the program could have made
  (no callback, or the program's own), and proxies only where ``proxy`` would allow one.
* ``proxy(obj)`` forwards attribute stores to ``obj`` natively, past the store rule
  (``proxy(json.JSONEncoder).encode = f`` would patch the class): it is refused for
  objects the program may not store on (classes, functions and modules it did not
  make, builtins, capabilities).
* ``finalize`` keeps its finalizers in a registry of its own (not the process's, which
  in-process is the host's and is run at interpreter exit) and never registers an
  ``atexit`` hook: a program "exits" when it returns, and its finalizers never run in the
  host's shutdown. Its ``_registry`` and other internals are private names of a class the
  program did not define: refused.

Callbacks are program code compiled under the policy wherever they run. In a worker
nothing runs after the run (the process is killed); in-process a callback may run later,
on a host thread, when the garbage collector frees the object (as a ``__del__`` can: see
docs/security.md, "What InProcessDriver does not protect").
"""

from __future__ import annotations

import types
import weakref as _weakref
from typing import Any

from .builtin_functions import builtin_function
from .checks import PolicyViolation
from .ownership import program_owned
from .stores import store_target

_PROXY_TYPES = (_weakref.ProxyType, _weakref.CallableProxyType)
_callback_of = _weakref.ReferenceType.__callback__.__get__  # type: ignore[attr-defined]


def _may_proxy(obj: Any) -> bool:
    """Whether a store through a proxy of ``obj`` is one the policy allows on ``obj``."""
    try:
        store_target(obj)
    except PolicyViolation:
        return False
    return True


def proxy(obj: Any, callback: Any = None, /) -> Any:
    made = _weakref.proxy(obj, callback)  # CPython's TypeError for what has no weakrefs
    if not _may_proxy(obj):
        kind = obj.__qualname__ if isinstance(obj, type) else type(obj).__name__
        raise PolicyViolation(
            f"weakref.proxy() of {kind!r} is not allowed in the sandbox: a store through "
            "the proxy would change an object the program did not make"
        )
    return made


def _program_callback(callback: Any) -> bool:
    if callback is None or program_owned(callback):
        return True
    return type(callback) is types.MethodType and program_owned(callback.__self__)


def _visible(reference: Any, proxies: bool) -> bool:
    kind = type(reference)
    if kind in _PROXY_TYPES:  # a proxy's callback is out of reach anyway
        return proxies
    if kind is not _weakref.ReferenceType and not program_owned(reference):
        return False  # KeyedRef, WeakMethod, a host's subclass: they carry more
    return _program_callback(_callback_of(reference))


def getweakrefs(obj: Any, /) -> list[Any]:
    proxies = _may_proxy(obj)
    return [r for r in _weakref.getweakrefs(obj) if _visible(r, proxies)]


class finalize(_weakref.finalize):
    __doc__ = _weakref.finalize.__doc__
    __slots__ = ()
    _registry: dict[Any, Any] = {}  # this class's finalizers, not the process's

    def __init__(self, obj: Any, func: Any, /, *args: Any, **kwargs: Any) -> None:
        info = self._Info()
        info.weakref = _weakref.ref(obj, self)
        info.func = func
        info.args = args
        info.kwargs = kwargs or None
        info.atexit = True
        info.index = next(self._index_iter)
        self._registry[self] = info


finalize.__module__ = "weakref"

#: The facade's replacements (``modules._OVERRIDES``).
OVERRIDES: dict[str, Any] = {
    "proxy": builtin_function("proxy", proxy),
    "getweakrefs": builtin_function("getweakrefs", getweakrefs),
    "finalize": finalize,
}
#: Every class here a program can reach (made immutable in-process).
PROGRAM_VISIBLE: tuple[type, ...] = (finalize,)
