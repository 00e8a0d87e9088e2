"""Ordinary programs (classes, generators, closures, the allowed standard library...) that
must behave in the sandbox exactly as in CPython: the data of ``test_language.py``."""

from __future__ import annotations

PROGRAMS: dict[str, str] = {
    "classes_and_data_model": """
        class Vec:
            def __init__(self, *xs): self._xs = list(xs)
            def __repr__(self): return f"{type(self).__name__}({', '.join(map(str, self._xs))})"
            def __eq__(self, other): return isinstance(other, Vec) and self._xs == other._xs
            def __hash__(self): return hash(tuple(self._xs))
            def __add__(self, other): return Vec(*(a + b for a, b in zip(self._xs, other._xs)))
            def __len__(self): return len(self._xs)
            def __iter__(self): return iter(self._xs)
            def __getitem__(self, i): return self._xs[i]
            def __contains__(self, x): return x in self._xs
            def __bool__(self): return any(self._xs)
            def __call__(self, k): return [k * x for x in self]
            def __lt__(self, other): return sum(self) < sum(other)
        class Vec3(Vec):
            def __init__(self, a, b, c):
                super().__init__(a, b, c)
                self.__secret = a  # name-mangled private attribute
            def secret(self): return self.__secret
        v = Vec3(1, 2, 3) + Vec3(1, 1, 1)
        result = [repr(v), len(v), list(v), v[1], 3 in v, bool(Vec(0)), v(2),
                  Vec(1) == Vec(1), len({Vec(1), Vec(1)}), sorted([Vec(3), Vec(1)])[0]._xs,
                  Vec3(7, 0, 0).secret(), v.__class__.__name__]
    """,
    "subclasses_of_policy_classes_show_their_dict": """
        # string.Formatter and contextlib.redirect_stdout are the policy's own classes in
        # the sandbox: a program subclass keeps an ordinary __dict__ (it was refused once
        # when the policy's module names moved and the safe-base list still named the old)
        import contextlib, io, string
        class F(string.Formatter): pass
        f = F(); f.x = 1
        class R(contextlib.redirect_stdout): pass
        r = R(io.StringIO()); r.y = 2
        result = [vars(f), sorted(k for k in vars(r) if not k.startswith("_")), f.format("{0}", 3)]
    """,
    "init_subclass_and_registry": """
        class Plugin:
            registry = {}
            def __init_subclass__(cls, /, key=None, **kw):
                super().__init_subclass__(**kw)
                Plugin.registry[key or cls.__name__.lower()] = cls
        class Alpha(Plugin): pass
        class Beta(Plugin, key="b"): pass
        result = sorted(Plugin.registry)
    """,
    "context_managers": """
        import contextlib
        log = []
        class Res:
            def __enter__(self): log.append("enter"); return self
            def __exit__(self, et, ev, tb):
                log.append(f"exit {et.__name__ if et else None}")
                return True
        with Res():
            raise ValueError("swallowed")
        @contextlib.contextmanager
        def tag(name):
            log.append(f"<{name}>"); yield name; log.append(f"</{name}>")
        with tag("b") as t:
            log.append(t)
        result = log
    """,
    "generators": """
        def fib():
            a, b = 0, 1
            while True:
                yield a
                a, b = b, a + b
        def take(n, it):
            for _ in range(n):
                yield next(it)
        def delegate():
            got = yield from take(3, fib())
            return got
        def acc():
            total = 0
            while True:
                x = yield total
                total += x
        g = acc(); next(g); g.send(5); s = g.send(10)
        result = [list(take(10, fib())), list(delegate()), s, sum(x * x for x in range(10))]
    """,
    "dataclasses_enum_abc": """
        import abc, dataclasses, enum
        @dataclasses.dataclass(order=True)
        class Item:
            price: float
            name: str = dataclasses.field(compare=False)
            tags: list = dataclasses.field(default_factory=list, compare=False)
            def __post_init__(self): self.name = self.name.title()
        @dataclasses.dataclass(frozen=True)
        class Point:
            x: int
            y: int = 0
        class Color(enum.Enum):
            RED = enum.auto()
            GREEN = enum.auto()
        class Perm(enum.Flag):
            R = 4
            W = 2
        class Shape(abc.ABC):
            @abc.abstractmethod
            def area(self): ...
        class Sq(Shape):
            def __init__(self, s): self.s = s
            def area(self): return self.s ** 2
        try:
            Shape()
            abstract = "instantiated"
        except TypeError:
            abstract = "refused"
        try:
            Point(1).x = 5
            frozen = "mutated"
        except dataclasses.FrozenInstanceError:
            frozen = "frozen"
        items = sorted([Item(3.0, "b"), Item(1.5, "a")])
        result = [[i.name for i in items], dataclasses.asdict(Point(1, 2)), Color.GREEN.name,
                  Color(1).name, str(Perm.R | Perm.W), Sq(3).area(), abstract, frozen,
                  [f.name for f in dataclasses.fields(Item)], Point(1) == Point(1, 0)]
    """,
    "match_statement": """
        from dataclasses import dataclass
        @dataclass
        class Pt:
            x: int
            y: int
        def describe(v):
            match v:
                case {"kind": "circle", "r": r} if r > 0: return f"circle {r}"
                case [first, *rest]: return f"seq {first} +{len(rest)}"
                case Pt(x=0, y=y): return f"on y axis at {y}"
                case Pt(x, y) if x == y: return "diagonal"
                case str() as s: return f"str {s}"
                case None | 0: return "nothing"
                case _: return "other"
        result = [describe(v) for v in [{"kind": "circle", "r": 2}, [1, 2, 3], Pt(0, 5),
                                        Pt(2, 2), "hi", None, 0, 3.5]]
    """,
    "string_formatting": """
        class User:
            def __init__(self, name): self.name = name
            def __format__(self, spec): return self.name.upper() if spec == "u" else self.name
        u = User("ada")
        result = ["{} + {} = {}".format(1, 2, 3), "{0.name} is {1[k]}".format(u, {"k": "here"}),
                  "{name:>6}|{n:08.3f}".format(name="x", n=3.14159), f"{u:u} {u.name!r} {7:#x}",
                  "%s-%d" % ("a", 5), "{:,}".format(1234567), str.format("{}!", "ok"),
                  "{a}{b}".format_map({"a": 1, "b": 2}), format(0.5, ".0%")]
    """,
    "closures_decorators_scopes": """
        import functools
        counter = 0
        def bump():
            global counter
            counter += 1
            return counter
        def make_acc():
            total = 0
            def add(n):
                nonlocal total
                total += n
                return total
            return add
        def logged(fn):
            @functools.wraps(fn)
            def wrapper(*a, **kw):
                return ("called", fn.__name__, fn(*a, **kw))
            return wrapper
        @logged
        def square(x):
            "Squares."
            return x * x
        acc = make_acc(); acc(2)
        bump(); bump()
        result = [counter, acc(3), square(4), square.__name__, square.__doc__,
                  square.__wrapped__(5), [f(2) for f in [lambda x, k=k: x * k for k in range(3)]],
                  (y := 10) + y, __name__]
    """,
    "exceptions": """
        class AppError(Exception):
            def __init__(self, code, msg):
                super().__init__(msg)
                self.code = code
        out = []
        try:
            try:
                {}["missing"]
            except KeyError as e:
                raise AppError(404, "not found") from e
        except AppError as e:
            out += [e.code, str(e), type(e.__cause__).__name__, e.args]
        try:
            try:
                1 / 0
            finally:
                out.append("finally")
        except ZeroDivisionError as e:
            out.append(type(e).__name__)
        result = out
    """,
    "async_features": """
        import asyncio
        async def agen(n):
            for i in range(n):
                await asyncio.sleep(0)
                yield i
        class Conn:
            async def __aenter__(self): return "conn"
            async def __aexit__(self, *exc): return False
        async def work(i):
            await asyncio.sleep(0.001 * (3 - i))
            return i * 10
        async with Conn() as c:
            got = [x async for x in agen(4)]
        gathered = await asyncio.gather(*(work(i) for i in range(3)))
        q = asyncio.Queue()
        for i in range(3):
            q.put_nowait(i)
        drained = [q.get_nowait() for _ in range(3)]
        try:
            await asyncio.wait_for(asyncio.sleep(1), 0.01)
            timed = "no"
        except asyncio.TimeoutError:
            timed = "yes"
        task = asyncio.create_task(work(1))
        result = [c, got, gathered, drained, timed, await task]
    """,
    "stdlib": """
        import json, re, math, statistics, fractions, decimal, datetime, collections
        import itertools, functools, heapq, string, textwrap, random, uuid, copy, typing
        import bisect, base64, hashlib, operator, csv, io
        rng = random.Random(42)
        P = typing.NamedTuple("P", [("a", int), ("b", int)])
        rows = list(csv.DictReader(io.StringIO("a,b\\n1,2\\n3,4")))
        result = [json.loads('{"a": [1, 2]}'), re.findall(r"\\d+", "a1b22c333"),
                  math.isclose(math.pi, 3.14159, rel_tol=1e-5), statistics.median([3, 1, 2]),
                  str(fractions.Fraction(3, 6)),
                  str(decimal.Decimal("1.10") + decimal.Decimal("2.2")),
                  datetime.date(2024, 2, 28).isoformat(),
                  (datetime.datetime(2024, 3, 1) - datetime.timedelta(days=1)).day,
                  datetime.datetime.strptime("2024-05-06", "%Y-%m-%d").month,
                  collections.Counter("abracadabra").most_common(1),
                  list(itertools.islice(itertools.cycle("ab"), 5)),
                  functools.reduce(operator.mul, range(1, 6)), heapq.nsmallest(2, [5, 1, 4]),
                  string.Template("$x!").substitute(x="hi"), textwrap.shorten("a b c d e f", 7),
                  rng.randint(1, 100), str(uuid.uuid5(uuid.NAMESPACE_DNS, "x")),
                  copy.deepcopy({"a": [1]}), P(1, 2)._asdict(), bisect.bisect([1, 3, 5], 4),
                  base64.b64encode(b"hi").decode(), hashlib.sha256(b"x").hexdigest()[:8],
                  operator.attrgetter("real")(3), rows, "é".encode("latin-1").hex()]
    """,
    "introspection_of_own_objects": """
        class Cfg:
            def __init__(self): self.a = 1; self._b = 2
        c = Cfg()
        setattr(c, "z", 3)
        result = [vars(c), sorted(c.__dict__), getattr(c, "missing", "dflt"), hasattr(c, "_b"),
                  isinstance(c, Cfg), callable(Cfg), type(c).__name__, Cfg.__qualname__,
                  [k for k in dir(c) if not k.startswith("__")]]
    """,
    "scoping_and_names": """
        from dataclasses import dataclass
        @dataclass
        class Point:
            x: int
            y: int = 0
        def fact(n):
            return 1 if n <= 1 else n * fact(n - 1)
        scale = 2
        def scaled(v):
            return v * scale
        scale = 3  # late binding, as for a module global
        class Registry:
            items = []
            @classmethod
            def add(cls, x):
                cls.items.append(x)
                return Registry
        Registry.add(1).add(2)
        total = 0
        def add_total(n):
            global total
            total += n
        add_total(5)
        add_total(6)
        def make_later():
            global later
            later = "set from a function"
        make_later()
        squares = [i * scale for i in range(3)]
        hot = 0
        for i in range(1000):
            hot += i * i % 7
        result = [repr(Point(1)), Point.__qualname__, fact.__qualname__, fact(5), scaled(2),
                  Registry.items, total, later, squares, repr(fact).split(" at ")[0],
                  str(Point), hot, sorted(k for k in dir() if k in ("hot", "total", "scale"))]
    """,
    "star_import_and_del": """
        from math import *
        x = [1, 2, 3]
        del x[0]
        y = 5
        del y
        result = [floor(pi), sqrt(16), x, "y" in dir()]
    """,
}
