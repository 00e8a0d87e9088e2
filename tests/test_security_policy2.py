"""Second review of the language policy (issue 14 item 4; F01, F02, F03, F09-F12, F16).

Each finding is attacked exactly as in ../shared/security/findings-2.md, on both drivers,
and then the class it belongs to: stdlib functions that look attributes up by a name the
program chooses, exec source built from program data, write into shared objects, or hand
out capabilities (the event loop, frames, the worker's channel).
"""

from __future__ import annotations

import json
import textwrap
from typing import Any

import pytest

from codemode_skills import InProcessDriver

from .conftest import run
from .test_language import _cpython
from .walk_cases import assert_walk_reaches_no_plumbing

REFUSED = ("PolicyViolation", "AttributeError")
FROZEN = (*REFUSED, "TypeError")  # a worker's frozen class refuses a native public store

# program -> error types accepted as "refused"
ATTACKS: dict[str, tuple[str, tuple[str, ...]]] = {
    # F01: functools.update_wrapper/wraps getattr and setattr by caller-chosen names
    "F01_update_wrapper_globals": (
        "import functools, random\nclass Grab:\n    def __setattr__(self, k, v):\n"
        "        object.__setattr__(self, 'got', v)\ng = Grab()\n"
        "functools.update_wrapper(g, random.seed, assigned=('__globals__',), updated=())\n"
        "g.got['_os'].getcwd()",
        REFUSED,
    ),
    "F01_wraps_code": (
        "import functools, json\ndef f(): pass\n"
        "functools.wraps(json.dumps, assigned=('__code__',), updated=())(f)",
        REFUSED,
    ),
    "F01_updated_reads_loop": (
        "import functools, asyncio\nclass G: pass\nf = asyncio.Future()\n"
        "functools.update_wrapper(G(), f, assigned=(), updated=('_loop',))",
        REFUSED,
    ),
    "F01_cached_property_reads_foreign_dict": (
        "import functools, asyncio\ncp = functools.cached_property(lambda s: 0)\n"
        "cp.attrname = '_loop'\ncp.__get__(asyncio.Queue())",
        REFUSED,
    ),
    # F12: dataclasses paste field names into generated source
    "F12_annotation_injection": (
        "import dataclasses\n@dataclasses.dataclass(init=False, repr=False)\nclass X:\n"
        "    __annotations__ = {\"__class__,setattr(self.__class__,'m',__import__('os'))\": int}\n"
        "X() == X()\nX.m.getcwd()",
        REFUSED,
    ),
    "F12_inherited_field_name": (
        "import dataclasses\n@dataclasses.dataclass\nclass B:\n    a: int = 0\n"
        "dataclasses.fields(B)[0].name = 'a=0):\\n import os'\n"
        "@dataclasses.dataclass\nclass C(B):\n    pass",
        REFUSED,
    ),
    "F12_str_subclass_name": (
        "import dataclasses\nclass S(str):\n    def __format__(self, spec): return 'x)'\n"
        "@dataclasses.dataclass\nclass C:\n    __annotations__ = {S('a'): int}",
        REFUSED,
    ),
    "F12_make_dataclass_name": (
        "import dataclasses\ndataclasses.make_dataclass('X', ['a=1):import os#'])",
        REFUSED,
    ),
    "F12_dataclass_of_stdlib_class": (
        "import dataclasses, json\ndataclasses.dataclass(json.JSONEncoder)",
        REFUSED,
    ),
    # F16: a subclassable safe formatter
    "F16_super_formatter_get_field": (
        "import string, random\nclass F(string.Formatter):\n    pass\n"
        "obj, _ = super(string.Formatter, F()).get_field('0.__globals__', (random.seed,), {})",
        REFUSED,
    ),
    # F02: the event loop
    "F02_current_task_get_loop": (
        "import asyncio\nloop = asyncio.current_task().get_loop()",
        REFUSED,
    ),
    "F02_lock_private_get_loop": (
        "import asyncio\nl = asyncio.Lock()\nawait l.acquire()\nl._get_loop()",
        REFUSED,
    ),
    "F02_getattribute_loop": (
        "import asyncio\nobject.__getattribute__(asyncio.Future(), '_loop')",
        REFUSED,
    ),
    "F02_task_stack": ("import asyncio\nasyncio.current_task().get_stack()", REFUSED),
    "F02_base_event_loop": ("import asyncio\nasyncio.BaseEventLoop()", REFUSED),
    "F02_child_watcher": ("import asyncio\nasyncio.ThreadedChildWatcher()", REFUSED),
    "F02_match_positional_loop": (
        "import asyncio, abc\nclass P(abc.ABC):\n    __match_args__ = ('_loop',)\n"
        "P.register(asyncio.Future)\nmatch asyncio.Future():\n    case P(l):\n        pass",
        REFUSED,
    ),
    "F02_match_metaclass": (
        "import asyncio\nclass M(type):\n    def __instancecheck__(cls, x): return True\n"
        "class P(metaclass=M):\n    __match_args__ = ('get_loop',)\n"
        "match asyncio.Future():\n    case P(g):\n        g()",
        REFUSED,
    ),
    "F02_swap_class": (
        "import asyncio\nclass P: pass\nq = asyncio.Queue()\nq.__class__ = P\nvars(q)",
        (*REFUSED, "TypeError"),
    ),
    # F11: the raw str.format
    "F11_getattribute_format": (
        "import random\n'{0.__globals__[_os].environ}'.__getattribute__('format')(random.seed)",
        REFUSED,
    ),
    "F11_super_format": (
        "import random\nclass S(str): pass\nsuper(S, S('{0.__globals__}')).format(random.seed)",
        REFUSED,
    ),
    "F11_str_getattribute_dict": ("'x'.__getattribute__('__dict__')", REFUSED),
    # writes into shared objects: stdlib classes, functions, modules
    "store_on_stdlib_class": ("import json\njson.JSONEncoder.encode = lambda s, o: 'x'", FROZEN),
    "setattr_on_stdlib_class": ("import json\nsetattr(json.JSONEncoder, 'encode', 1)", REFUSED),
    "type_setattr_stdlib_class": (
        "import json\ntype.__setattr__(json.JSONEncoder, 'x', 1)",
        REFUSED,
    ),
    "unbound_method_self": (
        "import json\nclass C:\n    def set(self, v):\n        self.encode = v\n"
        "C.set(json.JSONEncoder, 1)",
        FROZEN,
    ),
    "unbound_method_private_self": (
        "import re\nclass C:\n    def set(self, v):\n        self._value_ = v\nC.set(re.I, 0)",
        REFUSED,
    ),
    "typing_alias_forwards_store": ("import typing\ntyping.Counter.most_common = 1", FROZEN),
    "stdlib_function_kwdefaults": ("import json\njson.dumps.__kwdefaults__ = {}", REFUSED),
    "copy_rebuilds_into_stdlib_class": (
        "import copy, json\nclass X:\n    __slots__ = ('encode',)\n    flag = False\n"
        "    def __new__(cls, *a):\n"
        "        return json.JSONEncoder if X.flag else object.__new__(cls)\n"
        "x = X()\nx.encode = 1\nX.flag = True\ncopy.copy(x)",
        REFUSED,
    ),
    "copy_reduce_into_stdlib_class": (
        "import copy, json\nclass X:\n    def __reduce_ex__(self, p):\n"
        "        return (lambda: json.JSONEncoder, (), (None, {'encode': 1}))\ncopy.copy(X())",
        REFUSED,
    ),
    "total_ordering_stdlib": (
        "import functools, fractions\nfunctools.total_ordering(fractions.Fraction)",
        REFUSED,
    ),
    "types_coroutine_stdlib": ("import types, json\ntypes.coroutine(json.dumps)", REFUSED),
    "enum_global_enum": ("import enum\nenum.global_enum", REFUSED),
    "enum_convert": (
        "import enum\nclass E(enum.Enum):\n    A = 1\nE._convert_('E2', 'os', bool)",
        REFUSED,
    ),
    "contextlib_chdir": ("import contextlib\ncontextlib.chdir('/')", REFUSED),
    "shlex_source_opens_files": ("import shlex\nshlex.shlex('source /etc/passwd')", REFUSED),
    "zoneinfo_reset_tzpath": ("import zoneinfo\nzoneinfo.reset_tzpath(['/'])", REFUSED),
    "time_clock_settime": ("import time\ntime.clock_settime(time.CLOCK_REALTIME, 0)", REFUSED),
    "pprint_private_stream": ("import pprint\npprint.PrettyPrinter()._stream", REFUSED),
    # F03: the worker's channel from what the program holds
    "F03_print_self_channel": ("print.__self__._call.__self__.token", REFUSED),
    "F03_tools_call": ("tools._call", REFUSED),
    "F03_tools_dict": ("vars(tools)", REFUSED),
    "F03_print_closure": ("print.__closure__", REFUSED),
    "F03_pprint_closure": ("import pprint\npprint.pprint.__closure__[0]", REFUSED),
}


@pytest.mark.parametrize("name", sorted(ATTACKS))
async def test_attack_is_refused(driver: Any, name: str) -> None:
    code, accepted = ATTACKS[name]
    result = await run(driver, code + "\nreturn 'escaped'")
    assert not result.success, f"{name} was not refused: {result.result!r}"
    assert result.error is not None and result.error.type in accepted, result.error
    after = await run(driver, "return 6 * 7")
    assert after.success and after.result == 42


async def test_f11_host_secret_stays_out(driver: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RT_HOST_SECRET", "s3cr3t-value")
    code = (
        "import random\n"
        "return '{0.__globals__[_os].environ[RT_HOST_SECRET]}'.__getattribute__('format')"
        "(random.seed)"
    )
    result = await run(driver, code)
    assert "s3cr3t-value" not in result.model_dump_json()
    assert result.error is not None and result.error.type == "PolicyViolation"


async def test_host_exceptions_do_not_chain_into_the_program(driver: Any) -> None:
    code = (
        "try:\n    await tools.explode(message='x')\nexcept ToolError as e:\n"
        "    return [str(e), e.__context__ is None, e.__cause__ is None]"
    )
    result = await run(driver, code)
    assert result.result == ["explode() failed: RuntimeError: x", True, True]


#: Every asyncio object a program can make, then every way to its loop.
LOOP_PROBES = textwrap.dedent(
    """
    import asyncio, copy, dataclasses
    async def make():
        lock = asyncio.Lock(); await lock.acquire()
        event = asyncio.Event(); event.set(); await event.wait()
        queue = asyncio.Queue(1); await queue.put(1); await queue.get()
        sem = asyncio.Semaphore(); await sem.acquire()
        cond = asyncio.Condition(); await cond.acquire()
        barrier = asyncio.Barrier(1); await barrier.wait()
        fut = asyncio.Future(); fut.set_result(1)
        task = asyncio.create_task(asyncio.sleep(0)); await task
        gathered = asyncio.gather(asyncio.sleep(0)); await gathered
        class MyQueue(asyncio.Queue):  # a program subclass: it owns the instance
            def peek_loop(self): return self._loop
            def super_loop(self): return super()._get_loop()
        mine = MyQueue(); await mine.put(1); await mine.get()
        made = type("Q3", (asyncio.Queue,), {})(); await made.put(1); await made.get()
        objs = [lock, event, queue, sem, cond, barrier, fut, task, gathered,
                asyncio.current_task(), mine, made]
        async with asyncio.TaskGroup() as tg:
            objs.append(tg)
            async with asyncio.timeout(5) as tm:
                objs.append(tm)
        return objs
    probes = {
        "get_loop": lambda x: x.get_loop(),
        "_loop": lambda x: x._loop,
        "_get_loop": lambda x: x._get_loop(),
        "getattr": lambda x: getattr(x, "_loop"),
        "getattribute": lambda x: object.__getattribute__(x, "_loop"),
        "vars": lambda x: vars(x)["_loop"],
        "dict": lambda x: x.__dict__["_loop"],
        "get_coro": lambda x: x.get_coro(),
        "_timeout_handler": lambda x: x._timeout_handler,
        "peek_loop": lambda x: x.peek_loop(),
        "super_loop": lambda x: x.super_loop(),
        "copy": lambda x: copy.copy(x)._loop,
        "astuple": lambda x: dataclasses.astuple(x),
    }
    leaks = []
    for obj in await make():
        for label, probe in probes.items():
            try:
                got = probe(obj)
            except (AttributeError, KeyError, PolicyViolation, TypeError):
                continue
            if got is not None:
                leaks.append(f"{type(obj).__name__}.{label} -> {type(got).__name__}")
    return leaks
    """
)


async def test_no_asyncio_object_leads_to_the_loop(driver: Any) -> None:
    result = await run(driver, LOOP_PROBES, timeout_s=20)
    assert result.error is None, result.error
    assert result.result == []


async def test_walk_from_what_a_program_holds_reaches_no_plumbing(driver: Any) -> None:
    await assert_walk_reaches_no_plumbing(driver)


async def test_worker_classes_are_immutable(subprocess_driver: Any) -> None:
    # an unbound stdlib method that stores on its `self`: only immutability stops it
    code = "import json\njson.JSONEncoder.__init__(json.JSONEncoder, default=print)\nreturn 1"
    result = await run(subprocess_driver, code)
    assert result.error is not None and result.error.type == "TypeError"
    assert "immutable" in result.error.message


async def test_workers_do_not_share_random_state(subprocess_driver: Any) -> None:
    first = await run(subprocess_driver, "import random, secrets\nreturn random.random()")
    second = await run(subprocess_driver, "import random, secrets\nreturn random.random()")
    assert first.success and second.success
    assert first.result != second.result


def test_inprocess_driver_is_for_trusted_code_only() -> None:
    assert "TRUSTED CODE ONLY" in (InProcessDriver.__doc__ or "").upper()
    driver = InProcessDriver(trusted_code_only=True)
    assert driver.trusted_code_only and driver.isolation["trusted_code_only"] is True
    with pytest.raises(ValueError, match="trusted code only"):
        InProcessDriver(trusted_code_only=False)  # type: ignore[arg-type]


#: Ordinary programs the new rules must not break (compared with plain CPython).
ORDINARY = textwrap.dedent(
    """
    import collections, contextlib, copy, dataclasses, enum, functools, io, json, random
    import types
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        print("captured")
    class Shape:
        def __init__(self, side): self._side = side; self.calls = 0
        @functools.cached_property
        def area(self): self.calls += 1; return self._side ** 2
    s = Shape(3); s.area; s.area
    @functools.wraps(json.dumps)
    def dumps(*a, **k): return json.dumps(*a, **k)
    @dataclasses.dataclass(frozen=True)
    class Pt:
        _x: int
        y: int = 0
        def __post_init__(self): object.__setattr__(self, "y", self.y + 1)
    match Pt(1, 2):
        case Pt(a, b): matched = [a, b]
    P = collections.namedtuple("P", "a b")
    class Color(enum.Enum):
        RED = 1
    ns = types.SimpleNamespace(_hidden=1)
    ns._more = 2
    class Slots:
        __slots__ = ("v",)
        def __init__(self, v): self.v = v
    class Audited:
        def __setattr__(self, k, v): super().__setattr__(k, v * 2)
        def __getattribute__(self, k): return object.__getattribute__(self, k)
    au = Audited(); au.x = 2
    @functools.total_ordering
    class Money:
        def __init__(self, c): self.c = c
        def __eq__(self, o): return self.c == o.c
        def __lt__(self, o): return self.c < o.c
    class Counter:
        count = 0
    Counter.count += 1
    rng = random.Random(3)
    result = [buf.getvalue(), s.area, s.calls, dumps.__name__, dumps.__wrapped__ is json.dumps,
              matched, Pt(5).y, dataclasses.asdict(Pt(4)), P(1, 2)._asdict(),
              P(1, 2)._replace(a=9), Color.RED._value_, Color._member_names_, ns._hidden,
              sorted(vars(ns)), copy.deepcopy(Slots(7)).v, au.x, Money(1) <= Money(2),
              Counter.count, rng.randint(1, 10**6), copy.copy(Pt(1))._x]
    """
)


async def test_ordinary_programs_still_run(driver: Any) -> None:
    expected = _cpython(ORDINARY)
    epilogue = "\nimport json as _j\nreturn _j.loads(_j.dumps(result, default=repr))"
    result = await run(driver, ORDINARY + epilogue)
    assert result.error is None, result.error
    assert result.result == json.loads(json.dumps(expected, default=repr))
