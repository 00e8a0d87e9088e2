"""Every public exception has one home, ``errors.py``, and its docstring draws the tree."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import codemode_skills
from codemode_skills import errors


def _classes() -> list[type[BaseException]]:
    return [
        c
        for _, c in inspect.getmembers(errors, inspect.isclass)
        if c.__module__ == errors.__name__ and issubclass(c, BaseException)
    ]


def _tree() -> list[str]:
    classes = _classes()
    lines: list[str] = []

    def walk(cls: type, depth: int) -> None:
        extra = [b.__name__ for b in cls.__bases__[1:]]
        lines.append(
            "    " * depth + cls.__name__ + (f" (also {', '.join(extra)})" if extra else "")
        )
        for child in sorted(
            (c for c in classes if c.__bases__[0] is cls), key=lambda c: c.__name__
        ):
            walk(child, depth + 1)

    walk(errors.CodeModeError, 0)
    return lines


def test_every_error_is_a_code_mode_error() -> None:
    assert all(issubclass(c, errors.CodeModeError) for c in _classes())


def test_the_docstring_draws_the_real_tree() -> None:
    doc = [line.strip() for line in (errors.__doc__ or "").splitlines()]
    drawn = [line.strip() for line in _tree()]
    start = doc.index(drawn[0])
    assert doc[start : start + len(drawn)] == drawn


def test_package_faces_export_only_errors_from_errors_py() -> None:
    """``from codemode_skills.x import SomeError`` gives the class defined in errors.py."""
    strays = []
    names = ["codemode_skills"] + [
        info.name
        for info in pkgutil.walk_packages(codemode_skills.__path__, "codemode_skills.")
        if info.ispkg and ".jail" not in info.name
    ]
    seen = 0
    for package in names:
        try:
            face = importlib.import_module(package)
        except ModuleNotFoundError as exc:  # an optional extra that is not installed
            if (exc.name or "").startswith("codemode_skills"):
                raise
            continue
        for name in getattr(face, "__all__", ()):
            value = getattr(face, name)
            if inspect.isclass(value) and issubclass(value, BaseException):
                seen += 1
                if value.__module__ != errors.__name__:
                    strays.append(f"{package}.{name} ({value.__module__})")
    assert not strays, strays
    assert seen >= 10  # the root face and the admin face export errors: they were read
