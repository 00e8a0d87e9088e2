"""Standard library the model expects (issue 16, item 4): ``weakref``.

References, the weak containers, ``WeakMethod``, ``proxy`` and ``finalize`` behave as
CPython's (compared with plain CPython on both drivers, in a worker whose classes are
frozen too). The escape tests: ``getweakrefs`` hands out no reference someone else made
with a callback (the route to asyncio's set of every task, to a host's cache),
``finalize``'s registry and internals stay private, a proxy cannot store past the store
rule, and callbacks run under the policy. One walk from every new module's objects
(``pathlib``, ``weakref``, ``warnings``) reaches no plumbing.
"""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import run
from .fidelity_cases import ATTEMPT, assert_matches_cpython
from .walk_cases import assert_walk_reaches_no_plumbing

PROGRAMS: dict[str, str] = {
    "references": """
        import weakref
        class Obj:
            def __init__(self, n):
                self.n = n
            def method(self):
                return self.n
        a, b = Obj(1), Obj(2)
        calls = []
        r = weakref.ref(a)
        r2 = weakref.ref(b, lambda ref: calls.append(ref is r2))
        wm = weakref.WeakMethod(a.method)
        px = weakref.proxy(a)
        px.n = 10
        before = [r() is a, r2() is b, wm()(), px.n, a.n, px.method(), r == weakref.ref(a),
                  weakref.ref(a) is r, weakref.getweakrefcount(a), type(r).__name__,
                  isinstance(r, weakref.ReferenceType), weakref.ref is weakref.ReferenceType,
                  type(px) is weakref.ProxyType, r2.__callback__ is not None,
                  weakref.ProxyTypes == (weakref.ProxyType, weakref.CallableProxyType),
                  type(weakref.proxy(Obj.method)) is weakref.CallableProxyType,
                  err(lambda: weakref.ref(1)), err(lambda: weakref.proxy([]))]
        c = Obj(3)
        plain, called = weakref.ref(c), weakref.ref(c, lambda ref: None)
        listed = weakref.getweakrefs(c)
        del b
        after_b = [r2() is None, calls]
        del a
        result = [before, after_b, r() is None, wm() is None, err(lambda: px.n),
                  len(listed), listed[0] is plain, called in listed]
    """,
    "containers": """
        import weakref
        class Key:
            def __init__(self, name):
                self.name = name
            def __repr__(self):
                return f"Key({self.name!r})"
        a, b, c = Key("a"), Key("b"), Key("c")
        values = weakref.WeakValueDictionary({"a": a, "b": b})
        keys = weakref.WeakKeyDictionary({a: 1, b: 2})
        members = weakref.WeakSet([a, b, c])
        values["c"] = c
        before = [sorted(values), sorted(keys.values()), len(members), a in members,
                  values.get("a") is a, sorted(k.name for k in keys.keys()),
                  len(list(values.valuerefs())), len(list(keys.keyrefs())),
                  repr(values).startswith("<WeakValueDictionary at"),
                  values.setdefault("a", b) is a]
        del b
        middle = [sorted(values), len(keys), len(members), sorted(m.name for m in members)]
        del a, c
        result = [before, middle, len(values), len(keys), len(members), list(values.items()),
                  err(lambda: values["a"]), members == weakref.WeakSet(),
                  type(members).__module__, type(values).__name__]
    """,
    "finalize": """
        import weakref
        class Resource:
            pass
        log = []
        first, second, third = Resource(), Resource(), Resource()
        f1 = weakref.finalize(first, log.append, "first")
        f2 = weakref.finalize(second, log.append, "second")
        f3 = weakref.finalize(third, lambda *a, **k: log.append([a, k]), 1, 2, key="v")
        before = [f1.alive, f1.atexit, f2.peek()[1] == log.append, f2.peek()[2],
                  repr(f1).startswith("<finalize object at"), "Resource" in repr(f1),
                  isinstance(f1, weakref.finalize)]
        f1.atexit = False
        detached = f2.detach()
        del first
        del second
        called = f3()
        again = f3()
        result = [before, log, f1.alive, f1.atexit, detached[2], f2.alive, f2.detach(),
                  called, again, f3.alive, repr(f1).endswith("; dead>")]
    """,
}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
async def test_program_matches_cpython(driver: Any, name: str) -> None:
    await assert_matches_cpython(driver, PROGRAMS[name])


WEAKREF_ESCAPES = (
    """
import asyncio, json, sys, types, weakref
class Obj:
    pass
mine = Obj()
keep = weakref.finalize(mine, print, "x")
"""
    + ATTEMPT
    + """task = asyncio.current_task()
tries = {
    "registry": lambda: weakref.finalize._registry,
    "instance_registry": lambda: keep._registry,
    "info": lambda: weakref.finalize._Info,
    "exitfunc": lambda: weakref.finalize._exitfunc,
    "shutdown": lambda: weakref.finalize._shutdown,
    "index_iter": lambda: keep._index_iter,
    "subclass_registry": lambda: type("F", (weakref.finalize,), {})._registry,
    "init_globals": lambda: weakref.finalize.__init__.__globals__,
    "call_globals": lambda: weakref.finalize.__call__.__globals__,
    "module_dict": lambda: vars(weakref),
    "module_sys": lambda: weakref.sys,
    "module_weakref": lambda: weakref._weakref,
    "dict_remove": lambda: weakref.WeakValueDictionary()._remove,
    "set_remove": lambda: weakref.WeakSet()._remove,
    "set_pending": lambda: weakref.WeakSet()._pending_removals,
    "proxy_stdlib_class": lambda: weakref.proxy(json.JSONEncoder),
    "proxy_stdlib_function": lambda: weakref.proxy(json.dumps),
    "proxy_module_class": lambda: weakref.proxy(type(sys)),
    "proxy_type": lambda: weakref.proxy(types.SimpleNamespace),
    "proxy_store": lambda: setattr(weakref.proxy(json.JSONEncoder), "encode", print),
    "proxy_globals": lambda: weakref.proxy(attempt).__globals__,
    "proxy_dict": lambda: vars(weakref.proxy(mine)),
    "proxy_getattr_globals": lambda: getattr(weakref.proxy(attempt), "__globals__"),
    "proxy_self": lambda: weakref.proxy.__self__,
    "getweakrefs_self": lambda: weakref.getweakrefs.__self__,
    "callback_closure": lambda: weakref.ref(mine, lambda r: None).__callback__.__closure__,
    "weakref_attr": lambda: mine.__weakref__,
    "task_weakref_attr": lambda: task.__weakref__,
}
out = {name: attempt(f) for name, f in tries.items()}
# every reference to the running task, or to a stdlib class, that anyone made: none that
# carries a callback (asyncio's task set, ABC caches, the host's...)
shared = [task, json.JSONEncoder, Obj, int, type, asyncio.Task, weakref.finalize, json.dumps]
listed = [r for obj in shared for r in weakref.getweakrefs(obj)]
out["with_callbacks"] = [repr(r) for r in listed if type(r) is weakref.ref and r.__callback__]
out["odd_types"] = [type(r).__name__ for r in listed if type(r) is not weakref.ref]
out["tasks_reached"] = []
for r in weakref.getweakrefs(task):  # the route: callback -> defaults -> the task set
    try:
        holder = r.__callback__.__defaults__[0]()
        out["tasks_reached"] = [repr(t) for t in holder]
    except Exception:
        pass
out["keep_peek"] = keep.peek()[1] is print and keep.peek()[0] is mine
return out
"""
)


async def test_weakref_escapes(driver: Any) -> None:
    result = await run(driver, WEAKREF_ESCAPES)
    assert result.success, result.error
    out = result.result
    assert out.pop("keep_peek") is True  # a program's own finalizer is its own
    for name in ("with_callbacks", "odd_types", "tasks_reached"):
        assert out.pop(name) == [], name
    leaked = {k: v for k, v in out.items() if not str(v).startswith("refused")}
    assert leaked == {}, leaked
    for name in ("proxy_stdlib_class", "proxy_stdlib_function", "proxy_store"):
        assert out[name] == "refused PolicyViolation", (name, out[name])


CALLBACKS = """
import weakref
class Obj:
    pass
seen = []
def probe(*_):
    for name, f in (("globals", lambda: probe.__globals__), ("code", lambda: probe.__code__),
                    ("builtins_dict", lambda: vars(print)), ("frame", lambda: seen.gi_frame)):
        try:
            f()
            seen.append(name + " reached")
        except Exception as e:
            seen.append(name + " refused " + type(e).__name__)
a, b = Obj(), Obj()
ref = weakref.ref(a, probe)
fin = weakref.finalize(b, probe)
del a, b
return seen
"""


async def test_callbacks_run_under_the_policy(driver: Any) -> None:
    result = await run(driver, CALLBACKS)
    assert result.success, result.error
    assert len(result.result) == 8, result.result
    assert all(" refused " in entry for entry in result.result), result.result


#: The security walk (walk_cases.WALK) started from the new modules' objects.
WALK_ROOTS = """
import pathlib, warnings, weakref
class Obj:
    def method(self):
        return 1
held = Obj()  # (the walk's loop rebinds `obj`)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    warnings.warn("x")
async def never():
    pass
with warnings.catch_warnings(record=True) as dropped:
    warnings.simplefilter("always")
    never()
roots = [pathlib, pathlib.Path("a/b"), pathlib.PurePosixPath("a"), pathlib.PureWindowsPath("c:/"),
         pathlib.Path("a").parents, pathlib.Path.read_text, weakref, weakref.ref(held),
         weakref.proxy(held), weakref.WeakValueDictionary({"o": held}),
         weakref.WeakKeyDictionary({held: 1}), weakref.WeakSet([held]),
         weakref.finalize(held, print),
         weakref.WeakMethod(held.method), weakref.getweakrefs, warnings, warnings.filters,
         warnings.catch_warnings(), caught, dropped, warnings.showwarning, warnings.warn,
         warnings._showwarnmsg_impl, warnings.WarningMessage, warnings.onceregistry]
"""


async def test_walk_from_the_new_modules_reaches_no_plumbing(driver: Any) -> None:
    kinds = await assert_walk_reaches_no_plumbing(driver, WALK_ROOTS)
    assert "pathlib.PosixPath" in kinds  # the walk did run
    assert "builtins.coroutine" not in kinds  # a dropped warning's source
