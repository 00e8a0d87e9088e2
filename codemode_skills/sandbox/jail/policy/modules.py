"""The standard library a program may import, as facades exposing public API only.

``import re`` gives the program a fresh ``SafeModule`` holding ``re``'s public names, not
the module itself: no ``re.enum.sys`` walk, no ``__dict__`` of the real module, and a
program that patches ``math.pi`` patches only its own facade. What each module exposes,
excludes or wraps, and why, is the audit in docs/security.md.
"""

from __future__ import annotations

import copy
import importlib
import random as _random
import types
import typing as _typing
from collections.abc import Callable, Iterable
from typing import Any

from . import dispatch, facades, paths, queues, sysfacade, toplevel_run, weakrefs
from .formatter import SafeFormatter
from .guards import ModulePolicyViolation, SafeModule, check_name, guarded_getattr
from .warnfacade import program_warnings

#: Importable modules. Submodules must be listed on their own.
ALLOWED_MODULES: tuple[str, ...] = tuple(
    """
    abc array asyncio base64 binascii bisect calendar cmath collections collections.abc colorsys
    contextlib copy csv dataclasses datetime decimal difflib enum fnmatch fractions functools
    graphlib hashlib heapq hmac html io ipaddress itertools json keyword math numbers operator
    pathlib pprint queue random re secrets shlex stat statistics string struct sys textwrap time
    types typing unicodedata urllib urllib.parse uuid warnings weakref zoneinfo
    """.split()
)

#: Modules whose facade holds exactly these names (everything else in them hands out an
#: event loop, a process, a file, a thread, a socket or raw interpreter objects).
_ONLY: dict[str, frozenset[str]] = {
    "asyncio": frozenset(
        """ALL_COMPLETED FIRST_COMPLETED FIRST_EXCEPTION Barrier BoundedSemaphore
        BrokenBarrierError CancelledError Condition Event Future IncompleteReadError
        InvalidStateError LifoQueue LimitOverrunError Lock PriorityQueue Queue QueueEmpty
        QueueFull Semaphore SendfileNotAvailableError Task TaskGroup Timeout TimeoutError
        all_tasks as_completed create_task current_task ensure_future gather iscoroutine
        iscoroutinefunction isfuture shield sleep timeout timeout_at wait wait_for""".split()
    ),
    "types": frozenset(
        """AsyncGeneratorType BuiltinFunctionType BuiltinMethodType ClassMethodDescriptorType
        CoroutineType DynamicClassAttribute EllipsisType GeneratorType GenericAlias
        GetSetDescriptorType MappingProxyType MemberDescriptorType MethodDescriptorType
        MethodType MethodWrapperType NoneType NotImplementedType SimpleNamespace UnionType
        WrapperDescriptorType coroutine""".split()
    ),
}

#: Public names left out of a facade, with the reason in the audit.
_EXCLUDED: dict[str, frozenset[str]] = {
    "io": frozenset(
        "open open_code FileIO BufferedReader BufferedWriter BufferedRandom BufferedRWPair "
        "TextIOWrapper".split()
    ),
    "time": frozenset({"clock_settime", "clock_settime_ns"}),
    "typing": frozenset({"get_type_hints", "ForwardRef"}),
    "uuid": frozenset({"uuid1", "getnode"}),  # shell out for the MAC address
    "random": frozenset({"SystemRandom"}),
    "functools": frozenset({"singledispatchmethod"}),  # evaluates annotations
    "pprint": frozenset({"pp", "pprint"}),  # replaced: see _special
    "contextlib": frozenset({"chdir"}),  # the process's working directory
    "enum": frozenset({"global_enum"}),  # writes members into sys.modules[cls.__module__]
    "zoneinfo": frozenset({"reset_tzpath"}),  # makes ZoneInfo() read chosen directories
    "shlex": frozenset({"shlex"}),  # default input is sys.stdin; `source` opens files
    "calendar": frozenset({"LocaleTextCalendar", "LocaleHTMLCalendar"}),  # setlocale()
    "csv": frozenset({"register_dialect", "unregister_dialect", "field_size_limit"}),
}


def _safe_attrgetter(*names: str) -> Callable[[Any], Any]:
    def resolve(obj: Any, dotted: str) -> Any:
        for part in dotted.split("."):
            obj = guarded_getattr(obj, part)
        return obj

    if len(names) == 1:
        return lambda obj: resolve(obj, names[0])
    return lambda obj: tuple(resolve(obj, n) for n in names)


def _safe_methodcaller(name: str, /, *args: Any, **kwargs: Any) -> Callable[[Any], Any]:
    check_name(None, name)
    return lambda obj: guarded_getattr(obj, name)(*args, **kwargs)


#: Public names outside a module's ``__all__`` that programs import (its own doctests
#: do): plain values and pure functions, audited one by one in docs/security.md.
_ALSO: dict[str, tuple[str, ...]] = {
    "enum": ("bin",),  # bin(num, max_bits=None): two's-complement text of an int
    "typing": ("T", "KT", "VT", "T_co", "V_co", "VT_co", "T_contra", "CT_co"),  # TypeVars
}

#: Replacements for public names that are unsafe as shipped (see facades).
_OVERRIDES: dict[str, dict[str, Any]] = {
    "operator": {"attrgetter": _safe_attrgetter, "methodcaller": _safe_methodcaller},
    "string": {"Formatter": SafeFormatter},
    "functools": {
        "update_wrapper": facades.update_wrapper,
        "wraps": facades.wraps,
        "cached_property": facades.cached_property,
        "total_ordering": facades.total_ordering,
        "singledispatch": dispatch.singledispatch,  # never evaluates annotations
    },
    "dataclasses": {
        name: getattr(facades, name)
        for name in ("dataclass", "make_dataclass", "fields", "asdict", "astuple", "replace")
    },
    "types": {"coroutine": facades.coroutine},
    "asyncio": {"run": toplevel_run.run},
    "time": {"sleep": facades.sleep},
    "queue": {cls.__name__: cls for cls in queues.CLASSES},
    "pathlib": {cls.__name__: cls for cls in paths.CLASSES},
    "weakref": weakrefs.OVERRIDES,
    "contextlib": {
        "redirect_stdout": facades.redirect_stdout,
        "redirect_stderr": facades.redirect_stderr,
    },
}


#: Modules that C code of an allowed module imports lazily through the *caller's*
#: ``__import__`` (``datetime.strptime`` -> ``_strptime``). CPython's C import passes
#: a *list* as fromlist (statements pass None or a tuple); a program cannot call
#: ``__import__`` itself because that name is refused at compile time.
_C_LAZY_IMPORTS = frozenset({"_strptime", "warnings"})


def _public_names(module: types.ModuleType) -> Iterable[str]:
    only = _ONLY.get(module.__name__)
    if only is not None:
        return sorted(only)
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n in vars(module) if not n.startswith("_")]
    return names


class ModuleRegistry:
    """Builds (and in a worker, pre-builds) the facades of the allowed modules."""

    def __init__(self, allowed: Iterable[str] = ALLOWED_MODULES) -> None:
        self.allowed = frozenset(allowed)
        self._cache: dict[str, SafeModule] = {}
        #: Where ``pprint.pprint`` and ``calendar.prmonth`` write: set by each run to its
        #: ``print`` (a closure: nothing reachable from it leads to the run).
        self.console: Callable[..., None] = print
        #: Where the program's ``sys.stderr`` writes: set by each run to its stderr stream
        #: (the logs mark its lines; see streams).
        self.error_console: Callable[[str], None] = lambda text: self.console(text, end="")
        #: The private instances behind ``random.*`` and ``secrets.*`` (see refresh).
        self._randoms: list[_random.Random] = []
        #: The program's ``warnings`` (its module is the facade), writing to its stderr.
        self.warnings = program_warnings(lambda: getattr(self.facade("sys"), "stderr", None))

    def preload(self) -> None:
        """Import every allowed module now (in the template, before lock-down)."""
        for name in sorted(self.allowed):
            importlib.import_module(name)
        for mod in list(self.allowed):
            self.facade(mod)

    def refresh(self) -> None:
        """Re-seed the private random generators (a worker forked from the template
        must not share the template's random state with its siblings)."""
        for generator in self._randoms:
            generator.seed()

    def facade(self, name: str) -> SafeModule:
        cached = self._cache.get(name)
        if cached is None:
            cached = self._cache[name] = self._build(name)
        return cached

    def _build(self, name: str) -> SafeModule:
        if name == "sys":  # built from a list of facts, not from the module's names
            return sysfacade.build(
                lambda text: self.console(text, end=""), lambda text: self.error_console(text)
            )
        if name == "warnings":  # a module of the run's own (warnfacade)
            return self.warnings.module
        real = importlib.import_module(name)
        facade = SafeModule(name, getattr(real, "__doc__", None))
        excluded = _EXCLUDED.get(name, frozenset())
        for attr in _public_names(real):
            if attr in excluded or attr.startswith("_"):
                continue
            try:
                value = getattr(real, attr)
            except AttributeError:
                continue
            if isinstance(value, types.ModuleType):
                sub = f"{name}.{attr}"
                if sub in self.allowed:
                    value = self.facade(sub)
                else:
                    continue
            setattr(facade, attr, value)
        for attr in _ALSO.get(name, ()):
            setattr(facade, attr, getattr(real, attr))
        for attr, value in _OVERRIDES.get(name, {}).items():
            setattr(facade, attr, value)
        for attr, value in self._special(name, real).items():
            setattr(facade, attr, value)
        # submodules imported as attributes of their parent (import urllib.parse)
        for sub in self.allowed:
            if sub.startswith(name + ".") and "." not in sub[len(name) + 1 :]:
                setattr(facade, sub.rsplit(".", 1)[1], self.facade(sub))
        return facade

    def _special(self, name: str, real: Any) -> dict[str, Any]:
        """Facade entries built per registry: output to the run's console, and private
        instances in place of the stdlib's shared ones."""
        say = lambda text: self.console(text, end="")  # noqa: E731
        if name == "pprint":
            pformat = real.pformat

            def pprint_to_console(obj: Any, *args: Any, **kwargs: Any) -> None:
                self.console(pformat(obj, *args, **kwargs))

            return {"pprint": pprint_to_console, "pp": pprint_to_console}
        if name in ("random", "secrets"):
            shared = real._inst if name == "random" else real._sysrand
            private = type(shared)()
            self._randoms.append(private)
            return facades.rebind_shared(real, shared, private)
        if name == "calendar":
            cal = real.TextCalendar()
            entries = facades.rebind_shared(real, real.c, cal)

            def setfirstweekday(firstweekday: int) -> None:
                if not real.MONDAY <= firstweekday <= real.SUNDAY:
                    raise real.IllegalWeekdayError(firstweekday)
                cal.firstweekday = firstweekday

            names = ("day_name", "day_abbr", "month_name", "month_abbr")
            entries.update({n: copy.copy(getattr(real, n)) for n in names})  # shared objects
            entries.update(
                setfirstweekday=setfirstweekday,
                prmonth=lambda *a, **kw: say(cal.formatmonth(*a, **kw)),
                prcal=lambda *a, **kw: say(cal.formatyear(*a, **kw)),
            )
            return entries
        if name == "decimal":
            contexts = ("DefaultContext", "BasicContext", "ExtendedContext")
            return {n: getattr(real, n).copy() for n in contexts}
        if name == "keyword":
            return {"kwlist": list(real.kwlist), "softkwlist": list(real.softkwlist)}
        if name == "hashlib":
            sets = ("algorithms_available", "algorithms_guaranteed")
            return {n: frozenset(getattr(real, n)) for n in sets}
        return {}

    def importer(self) -> Callable[..., Any]:
        """The sandbox's ``__import__``: allowed modules only, always facades."""

        def sandbox_import(
            name: str,
            globals: Any = None,
            locals: Any = None,
            fromlist: Any = (),
            level: int = 0,
        ) -> Any:
            if level:  # as for a script: a program has no package
                raise ImportError("attempted relative import with no known parent package")
            if name in _C_LAZY_IMPORTS and type(fromlist) is list:
                return importlib.import_module(name)
            if name not in self.allowed:
                raise ModulePolicyViolation(
                    f"import of {name!r} is not allowed in the sandbox; "
                    f"allowed modules: {', '.join(sorted(self.allowed))}",
                    name=name,
                )
            if fromlist:
                return self.facade(name)
            return self.facade(name.split(".")[0]) if "." in name else self.facade(name)

        return sandbox_import


def harden_stdlib(*, freeze: bool = True) -> int:
    """Harden the standard library of a sandbox *worker* process (the template calls
    this once, after preloading, before forking any worker).

    ``typing`` compiles forward-reference strings with ``compile`` and evaluates them:
    that would run un-policed code from an annotation, so ``typing``'s module-level
    ``compile`` is the policy compiler here. ``copy`` is guarded (see hardening), and
    every stdlib and sandbox class is made immutable (``freeze``; the template of an
    OS-only sandbox, ``restricted=False``, passes False: there is no policy to back).
    With the policy on, the interpreter's warnings follow the running program's
    ``warnings`` (``warnrouting``). Returns how many classes it froze (0: none could be).
    """
    from .hardening import freeze_classes, guard_copy
    from .transformer import compile_expression
    from .warnrouting import route_interpreter_warnings

    _typing.compile = compile_expression  # type: ignore[attr-defined]
    guard_copy()
    if not freeze:
        return 0
    route_interpreter_warnings()
    return freeze_classes()


__all__ = ["ALLOWED_MODULES", "ModuleRegistry", "harden_stdlib"]
