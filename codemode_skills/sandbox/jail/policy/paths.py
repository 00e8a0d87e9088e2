"""``pathlib``'s concrete paths, for a sandbox that has no file system.

The pure classes (``PurePath``, ``PurePosixPath``, ``PureWindowsPath``) are CPython's own:
they never touch a file. ``Path``, ``PosixPath`` and ``WindowsPath`` here are what
CPython's are made of, minus the system calls: subclasses of the pure classes with the
same hierarchy (``PosixPath(Path, PurePosixPath)``), the same constructor rules
(``Path(...)`` is a ``PosixPath``; a ``WindowsPath`` cannot be made on POSIX) and every
pure operation (``/``, ``.name``, ``.suffix``, ``.parent``, ``with_suffix``,
``relative_to``, ``match``...). Every method CPython's ``Path`` adds to ``PurePath``
(``read_text``, ``open``, ``exists``, ``iterdir``, ``resolve``, ``cwd``, ``home``...)
raises ``PermissionError`` (an ``OSError``, so ``except OSError`` handles it) saying
there is no file system in the sandbox.

None of them subclasses CPython's ``Path``: ``super()`` from a program subclass reaches
only pure methods, and no method here calls ``os``.
"""

from __future__ import annotations

import errno
import inspect
import pathlib
from typing import Any

#: What the refusals say (after ``Path.<name>``).
_WHY = "there is no file system in the sandbox; ask a host tool for the data"


def _refusal(name: str, kind: type | None) -> Any:
    def refused(self: Any, *args: Any, **kwargs: Any) -> Any:
        where = None if isinstance(self, type) else str(self)
        raise PermissionError(errno.EACCES, f"Path.{name}(): {_WHY}", where)

    real = getattr(pathlib.Path, name)
    refused.__name__ = name
    refused.__qualname__ = f"Path.{name}"
    refused.__doc__ = getattr(real, "__doc__", None)
    refused.__module__ = "pathlib"
    return kind(refused) if kind is not None else refused


def _system_methods() -> dict[str, Any]:
    """A refusal for each public method CPython's ``Path`` adds to ``PurePath``."""
    out = {}
    for name in sorted(set(dir(pathlib.Path)) - set(dir(pathlib.PurePath))):
        if name.startswith("_"):
            continue
        static = inspect.getattr_static(pathlib.Path, name)
        kind = type(static) if isinstance(static, (classmethod, staticmethod)) else None
        out[name] = _refusal(name, kind)
    return out


class Path(pathlib.PurePath):
    __slots__ = ()

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        if cls is Path:
            cls = PosixPath  # the sandbox is POSIX
        if issubclass(cls, pathlib.PureWindowsPath):
            raise NotImplementedError(f"cannot instantiate {cls.__name__!r} on your system")
        return pathlib.PurePath.__new__(cls, *args)


for _name, _method in _system_methods().items():
    setattr(Path, _name, _method)
for _name in ("__enter__", "__exit__"):  # a no-op context manager (deprecated in 3.11)
    if _name in vars(pathlib.Path):
        setattr(Path, _name, vars(pathlib.Path)[_name])


class PosixPath(Path, pathlib.PurePosixPath):
    __slots__ = ()


class WindowsPath(Path, pathlib.PureWindowsPath):
    __slots__ = ()


#: The facade's classes, shown as ``pathlib``'s (reprs, ``type(p).__module__``).
CLASSES: tuple[type, ...] = (Path, PosixPath, WindowsPath)
for _cls in CLASSES:
    _cls.__module__ = "pathlib"
    _cls.__doc__ = getattr(pathlib, _cls.__name__).__doc__
