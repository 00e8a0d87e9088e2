"""One run's warnings, and what of a warning the program may see.

``ProgramWarnings`` is the state CPython keeps in its one ``warnings`` module, per run: the
program's module (``warnfacade``) and what its hooks need. A warning is raised through
CPython's own machinery (``_warnings.warn_explicit``) with ``ACTIVE`` naming this state, so
the decision to show, ignore or raise it reads the program's filters (``warnrouting``).

What reaches the program:

* ``stacklevel`` counts the program's own frames; beyond its top level the warning is
  ``sys:1``, as CPython reports one raised above a script's first frame.
* a warning the interpreter or the standard library raised shows a frame that is not the
  program's as its path inside the standard library (``re/_parser.py``) or as
  ``<sandbox>``: never a host path; its message is text only, and its ``source`` (an
  unclosed transport, a coroutine) is not handed over (``WarningMessage.source`` is None).
"""

from __future__ import annotations

import _warnings
import operator
import os
import sysconfig
import warnings as _real
import weakref
from collections.abc import Callable
from typing import Any

from .ownership import PROGRAM_FILENAME
from .warnrouting import ACTIVE, route_interpreter_warnings

_STDLIB_ROOTS = tuple(
    sorted(
        {os.path.join(sysconfig.get_path(k), "") for k in ("stdlib", "platstdlib")},
        key=len,
        reverse=True,
    )
)
WarningMessage = _real.WarningMessage


def shown_filename(filename: Any) -> Any:
    """A file name as a warning may show it: the program's, ``sys`` and ``<...>`` names
    as they are, a standard-library file by its path inside the library, anything else
    (the sandbox's own files, installed packages) as ``<sandbox>``."""
    if type(filename) is not str or filename in (PROGRAM_FILENAME, "sys"):
        return filename
    if filename.startswith("<") and filename.endswith(">"):
        return filename
    for root in _STDLIB_ROOTS:
        if filename.startswith(root):
            inside = filename[len(root) :]
            if inside.partition(os.sep)[0] not in ("site-packages", "dist-packages"):
                return inside
    return "<sandbox>"


def _category(message: Any, category: Any) -> Any:
    if isinstance(message, Warning):
        return type(message)
    if category is None:
        return UserWarning
    try:
        ok = issubclass(category, Warning)
    except Exception:  # CPython replaces whatever issubclass raised
        ok = False
    if not ok:
        raise TypeError(f"category must be a Warning subclass, not '{type(category).__name__}'")
    return category


def _text_only(category: Any, message: Any) -> Any:
    try:
        return category(str(message))
    except Exception:
        return Warning(str(message))


def _program_frame(frame: Any, stacklevel: int) -> Any:
    """The ``stacklevel``-th program frame from ``frame`` outwards (None past the top)."""
    count = max(stacklevel, 1)
    while frame is not None:
        if frame.f_code.co_filename == PROGRAM_FILENAME:
            count -= 1
            if count == 0:
                return frame
        frame = frame.f_back
    return None


class ProgramWarnings:
    """One run's warnings: its module (the facade) and what the hooks need to know."""

    def __init__(self, stderr: Callable[[], Any], build: Callable[[ProgramWarnings], Any]) -> None:
        #: Where a warning is written: the program's current ``sys.stderr``.
        self.stderr = stderr
        self._build = build
        self._module: Any = None
        #: (file name, source) of each warning the program is raising right now: what
        #: the interpreter shows back for them is the program's own, shown as given.
        self._raising: list[tuple[Any, Any]] = []
        self._sys_registry: dict[Any, Any] = {}  # for warnings past the program's top
        self._hidden_source: weakref.WeakSet[Any] | None = None

    @property
    def module(self) -> Any:
        """The program's ``warnings`` module, made when first needed (most runs never
        import it nor see a warning)."""
        if self._module is None:
            self._module = self._build(self)
        return self._module

    def emit(
        self,
        message: Any,
        category: Any,
        filename: Any,
        lineno: Any,
        module: Any,
        registry: Any,
        source: Any,
    ) -> None:
        """Raise a warning through CPython's own machinery, under this run's filters."""
        # what is not given is left out: CPython checks some arguments only when given
        given = {"module": module, "registry": registry, "source": source}
        extra = {name: value for name, value in given.items() if value is not None}
        if not route_interpreter_warnings():  # never the process's filters and hooks
            raise RuntimeError("warnings cannot be raised in this sandbox's interpreter")
        self._raising.append((filename, source))
        token = ACTIVE.set(self)  # in case no driver set it: the program's own state
        try:
            _warnings.warn_explicit(message, category, filename, lineno, **extra)
        finally:
            ACTIVE.reset(token)
            self._raising.pop()

    def warn_from(
        self, frame: Any, message: Any, category: Any, stacklevel: Any, source: Any
    ) -> None:
        category = _category(message, category)
        found = _program_frame(frame, operator.index(stacklevel))
        if found is None:
            filename, lineno, module, registry = "sys", 1, "sys", self._sys_registry
        else:
            globals_ = found.f_globals
            filename, lineno = found.f_code.co_filename, found.f_lineno
            module = globals_.get("__name__")
            if module is not None and not isinstance(module, str):
                module = "<string>"
            registry = dict.setdefault(globals_, "__warningregistry__", {})
        self.emit(message, category, filename, lineno, module, registry, source)

    def show_from_interpreter(self, msg: Any) -> None:
        """``warnings._showwarnmsg`` as the interpreter calls it during the run: the
        message is rebuilt with what the program may see, then shown through the
        program's own ``_showwarnmsg`` (and so its ``showwarning``, its record...)."""
        filename, source, message = msg.filename, msg.source, msg.message
        if not any(filename is name for name, _ in self._raising):
            filename = shown_filename(filename)
            if not all(type(a) is str for a in getattr(message, "args", ())):
                message = _text_only(msg.category, message)  # never the raiser's objects
        hidden = source is not None and not any(source is s for _, s in self._raising)
        visible = WarningMessage(
            message, msg.category, filename, msg.lineno, None, msg.line, None if hidden else source
        )
        if hidden:
            if self._hidden_source is None:
                self._hidden_source = weakref.WeakSet()
            self._hidden_source.add(visible)
        self.module._showwarnmsg(visible)

    def had_source(self, msg: Any) -> bool:
        if getattr(msg, "source", None) is not None:
            return True
        return self._hidden_source is not None and msg in self._hidden_source
