"""The standard library a program may import, as facades exposing public API only.

``import re`` gives the program a fresh ``SafeModule`` holding ``re``'s public names, not
the module itself: no ``re.enum.sys`` walk, no ``__dict__`` of the real module, and a
program that patches ``math.pi`` patches only its own facade.
"""

from __future__ import annotations

import importlib
import types
import typing as _typing
from collections.abc import Callable, Iterable
from typing import Any

from .guards import (
    ImportPolicyViolation,
    SafeFormatter,
    SafeModule,
    check_name,
    guarded_getattr,
)

#: Importable modules. Submodules must be listed on their own.
ALLOWED_MODULES: tuple[str, ...] = (
    "abc", "array", "asyncio", "base64", "binascii", "bisect", "calendar", "cmath",
    "collections", "collections.abc", "colorsys", "contextlib", "copy", "csv", "dataclasses",
    "datetime", "decimal", "difflib", "enum", "fnmatch", "fractions", "functools",
    "graphlib", "hashlib", "heapq", "hmac", "html", "io", "ipaddress", "itertools", "json",
    "keyword", "math", "numbers", "operator", "pprint", "random", "re", "secrets", "shlex",
    "statistics", "string", "struct", "textwrap", "time", "types", "typing", "unicodedata",
    "urllib", "urllib.parse", "uuid", "zoneinfo",
)  # fmt: skip

#: Public names that would hand out processes, files, sockets, threads, code
#: evaluation or raw interpreter objects.
_EXCLUDED: dict[str, frozenset[str]] = {
    "asyncio": frozenset(
        """run new_event_loop get_event_loop set_event_loop get_event_loop_policy
        set_event_loop_policy get_running_loop get_child_watcher set_child_watcher
        to_thread subprocess
        create_subprocess_exec create_subprocess_shell open_connection start_server
        open_unix_connection start_unix_server SelectorEventLoop ProactorEventLoop
        DefaultEventLoopPolicy AbstractEventLoopPolicy Runner events base_events
        unix_events StreamReader StreamWriter StreamReaderProtocol""".split()
    ),
    "io": frozenset(
        "open open_code FileIO BufferedReader BufferedWriter BufferedRandom BufferedRWPair "
        "TextIOWrapper".split()
    ),
    "time": frozenset({"sleep"}),  # would block the event loop; asyncio.sleep is the way
    "types": frozenset(
        {
            "FunctionType",
            "LambdaType",
            "CodeType",
            "FrameType",
            "TracebackType",
            "ModuleType",
            "CellType",
            "new_class",
            "prepare_class",
            "resolve_bases",
        }
    ),
    "typing": frozenset({"get_type_hints", "ForwardRef", "TYPE_CHECKING"}),
    "uuid": frozenset({"uuid1", "getnode"}),  # shell out for the MAC address
    "random": frozenset({"SystemRandom"}),
    "functools": frozenset({"singledispatch", "singledispatchmethod"}),  # eval annotations
    "pprint": frozenset({"pp", "pprint"}),  # replaced: see _OVERRIDES
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


#: Replacements for public names that are unsafe as shipped.
_OVERRIDES: dict[str, dict[str, Any]] = {
    "operator": {"attrgetter": _safe_attrgetter, "methodcaller": _safe_methodcaller},
    "string": {"Formatter": SafeFormatter},
}


#: Modules that C code of an allowed module imports lazily through the *caller's*
#: ``__import__`` (``datetime.strptime`` -> ``_strptime``). CPython's C import passes
#: a *list* as fromlist (statements pass None or a tuple); a program cannot call
#: ``__import__`` itself because that name is refused at compile time.
_C_LAZY_IMPORTS = frozenset({"_strptime", "warnings"})


def _public_names(module: types.ModuleType) -> Iterable[str]:
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n in vars(module) if not n.startswith("_")]
    return names


class ModuleRegistry:
    """Builds (and in a worker, pre-builds) the facades of the allowed modules."""

    def __init__(self, allowed: Iterable[str] = ALLOWED_MODULES) -> None:
        self.allowed = frozenset(allowed)
        self._cache: dict[str, SafeModule] = {}
        #: Where ``pprint.pprint`` writes: set by each run to its console's print.
        self.console: Callable[..., None] = print

    def preload(self) -> None:
        """Import every allowed module now (in the template, before lock-down)."""
        for name in sorted(self.allowed):
            importlib.import_module(name)
        for mod in list(self.allowed):
            self.facade(mod)

    def facade(self, name: str) -> SafeModule:
        cached = self._cache.get(name)
        if cached is None:
            cached = self._cache[name] = self._build(name)
        return cached

    def _build(self, name: str) -> SafeModule:
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
        for attr, value in _OVERRIDES.get(name, {}).items():
            setattr(facade, attr, value)
        if name == "pprint":
            pformat = real.pformat  # type: ignore[attr-defined]

            def pprint_to_console(obj: Any, *args: Any, **kwargs: Any) -> None:
                self.console(pformat(obj, *args, **kwargs))

            facade.pprint = facade.pp = pprint_to_console  # type: ignore[attr-defined]
        # submodules imported as attributes of their parent (import urllib.parse)
        for sub in self.allowed:
            if sub.startswith(name + ".") and "." not in sub[len(name) + 1 :]:
                setattr(facade, sub.rsplit(".", 1)[1], self.facade(sub))
        return facade

    def importer(self) -> Callable[..., Any]:
        """The sandbox's ``__import__``: allowed modules only, always facades."""

        def sandbox_import(
            name: str,
            globals: Any = None,
            locals: Any = None,
            fromlist: Any = (),
            level: int = 0,
        ) -> Any:
            if level:
                raise ImportPolicyViolation("relative imports are not allowed in the sandbox")
            if name in _C_LAZY_IMPORTS and type(fromlist) is list:
                return importlib.import_module(name)
            if name not in self.allowed:
                raise ImportPolicyViolation(
                    f"import of {name!r} is not allowed in the sandbox; "
                    f"allowed modules: {', '.join(sorted(self.allowed))}"
                )
            if fromlist:
                return self.facade(name)
            return self.facade(name.split(".")[0]) if "." in name else self.facade(name)

        return sandbox_import


def harden_stdlib() -> None:
    """Route the standard library's own string-to-code paths through the policy.

    ``typing`` compiles forward-reference strings with ``compile`` and evaluates them:
    that would run un-policed code from an annotation. Inside the sandbox process the
    module-level name ``compile`` in ``typing`` is rebound to the policy compiler.
    """
    from .transformer import compile_expression

    _typing.compile = compile_expression  # type: ignore[attr-defined]


__all__ = ["ALLOWED_MODULES", "ModuleRegistry", "harden_stdlib"]
