"""Standard library the model expects (issue 16, item 4): ``pathlib``.

Pure paths are CPython's own classes, and ``Path``/``PosixPath`` do every pure operation
as CPython's do (compared with plain CPython on both drivers). Whatever would touch the
file system raises ``PermissionError`` ("no file system in the sandbox"), and the escape
tests try every route from a path to a file, ``os`` or the real ``pathlib``.
"""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import run
from .fidelity_cases import ATTEMPT, assert_matches_cpython

PROGRAMS: dict[str, str] = {
    "pure_posix": """
        from pathlib import PurePath, PurePosixPath
        p = PurePosixPath("/usr/local/lib/python3.tar.gz")
        result = [str(p), repr(p), p.name, p.suffix, p.suffixes, p.stem, list(p.parts),
                  str(p.parent), [str(x) for x in p.parents], p.anchor, p.root, p.drive,
                  str(p.with_suffix(".zip")), str(p.with_name("x.py")), str(p.with_stem("y")),
                  str(p.relative_to("/usr")), p.is_relative_to("/usr"), p.is_absolute(),
                  p.match("*.gz"), p.match("lib/*.gz"), p.match("/*.gz"), p.as_posix(),
                  p.as_uri(), str(p / "sub" / "f"), str("rel" / PurePosixPath("x")),
                  PurePosixPath("a") < PurePosixPath("b"), PurePosixPath("a") == PurePath("a"),
                  hash(PurePosixPath("a/b")) == hash(PurePosixPath("a", "b")),
                  sorted(str(x) for x in {PurePosixPath("b"), PurePosixPath("a")}),
                  str(PurePosixPath("a/./b//c/")), bytes(PurePosixPath("a/b")),
                  PurePosixPath("a").joinpath("b", "c").parts, p.__fspath__(),
                  str(PurePosixPath(PurePosixPath("x"), "y")), type(PurePath("a")).__name__,
                  err(lambda: p.relative_to("/etc")), err(lambda: p.with_suffix("bad")),
                  err(lambda: PurePosixPath("a") < 1), err(lambda: PurePosixPath(1)),
                  err(lambda: PurePosixPath("/").with_name("x")), p.parents[1].name,
                  err(lambda: p.parents[10])]
    """,
    "pure_windows": """
        from pathlib import PurePosixPath, PureWindowsPath
        w = PureWindowsPath("C:/Users/me/file.TXT")
        result = [str(w), repr(w), w.drive, w.root, w.anchor, w.name, w.suffix, list(w.parts),
                  w.as_posix(), str(w.with_suffix(".md")), w.is_reserved(),
                  PureWindowsPath("NUL").is_reserved(),
                  w == PureWindowsPath("c:/users/ME/FILE.txt"),
                  str(PureWindowsPath("//server/share/x")), w.match("*.txt"),
                  str(w.relative_to("C:/")), err(lambda: w < PurePosixPath("a")),
                  PureWindowsPath("a") == PurePosixPath("a"), w.as_uri()]
    """,
    "path_pure_operations": """
        import pathlib
        from pathlib import Path, PosixPath, PurePath, PurePosixPath
        p = Path("data/report.csv")
        result = [repr(p), str(p), type(p).__name__, type(p).__module__,
                  isinstance(p, PurePosixPath), isinstance(p, Path), isinstance(p, PosixPath),
                  isinstance(p, PurePath), issubclass(PosixPath, Path),
                  issubclass(Path, PurePath), issubclass(pathlib.WindowsPath, Path),
                  repr(p.parent / "other.csv"), p.with_suffix(".json").name, p.stem,
                  p == PurePosixPath("data/report.csv"), repr(Path("a") / "b"),
                  repr("a" / Path("b")), repr(Path()), repr(PosixPath("x", "y")),
                  repr(p.parents[0]), repr(p.relative_to("data")), p.match("*.csv"),
                  hash(p) == hash(PurePosixPath("data/report.csv")), p.parts,
                  [repr(x) for x in sorted([Path("b"), Path("a")])], p.as_posix(),
                  repr(Path("/a").joinpath("b")), Path("a").is_absolute(),
                  err(lambda: pathlib.WindowsPath("x")), err(lambda: Path("a") < 1),
                  repr(type(p)), Path.__name__, Path.__qualname__, PosixPath.__doc__[:20]]
    """,
    "path_subclass": """
        from pathlib import PurePosixPath
        class Versioned(PurePosixPath):
            def bump(self):
                return self.with_stem(self.stem + "-v2")
        v = Versioned("a/b.txt")
        result = [repr(v), repr(v.bump()), repr(v / "c"), repr(v.parent), type(v.parent).__name__]
    """,
}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
async def test_program_matches_cpython(driver: Any, name: str) -> None:
    await assert_matches_cpython(driver, PROGRAMS[name])


#: Every method CPython's ``Path`` adds to ``PurePath``, called as a program would.
SYSTEM_CALLS = """
import pathlib
from pathlib import Path
p = Path("data.txt")
calls = {
    "read_text": lambda: p.read_text(), "read_bytes": lambda: p.read_bytes(),
    "write_text": lambda: p.write_text("x"), "write_bytes": lambda: p.write_bytes(b"x"),
    "open": lambda: p.open(), "exists": lambda: p.exists(), "is_file": lambda: p.is_file(),
    "is_dir": lambda: p.is_dir(), "iterdir": lambda: list(p.iterdir()),
    "glob": lambda: list(p.glob("*")), "rglob": lambda: list(p.rglob("*")),
    "stat": lambda: p.stat(), "lstat": lambda: p.lstat(), "resolve": lambda: p.resolve(),
    "absolute": lambda: p.absolute(), "expanduser": lambda: Path("~").expanduser(),
    "mkdir": lambda: p.mkdir(), "touch": lambda: p.touch(), "unlink": lambda: p.unlink(),
    "rmdir": lambda: p.rmdir(), "rename": lambda: p.rename("y"),
    "replace": lambda: p.replace("y"), "samefile": lambda: p.samefile("y"),
    "owner": lambda: p.owner(), "group": lambda: p.group(), "chmod": lambda: p.chmod(0o600),
    "symlink_to": lambda: p.symlink_to("y"), "readlink": lambda: p.readlink(),
    "is_symlink": lambda: p.is_symlink(), "is_mount": lambda: p.is_mount(),
    "cwd": lambda: Path.cwd(), "home": lambda: Path.home(),
    "posix_home": lambda: pathlib.PosixPath.home(),
}
out = {}
for name, call in calls.items():
    try:
        call()
    except PermissionError as e:
        out[name] = [isinstance(e, OSError), e.errno == 13, e.filename, str(e)]
    else:
        out[name] = "no error"
return out
"""


async def test_every_system_call_raises_permission_error(driver: Any) -> None:
    result = await run(driver, SYSTEM_CALLS)
    assert result.success, result.error
    for name, outcome in result.result.items():
        assert outcome != "no error", name
        is_oserror, eacces, filename, message = outcome
        assert is_oserror and eacces, (name, outcome)
        assert "no file system in the sandbox" in message, (name, message)
        assert f"Path.{name.removeprefix('posix_')}()" in message, (name, message)
        expected = None if name in ("cwd", "home", "posix_home") else "data.txt"
        assert filename == (expected if name != "expanduser" else "~"), (name, filename)


PATH_ESCAPES = (
    """
import copy, io, operator, pathlib
from pathlib import Path, PosixPath, PurePath, PurePosixPath
p = Path("/etc/passwd")
pure = PurePosixPath("/etc/passwd")
class Mine(PurePosixPath):
    def read_text(self):
        return open(self).read()
class Concrete(PosixPath):
    _accessor = None
    def open(self, *a, **k):
        return super().open(*a, **k)
"""
    + ATTEMPT
    + """tries = {
    "read_text": lambda: p.read_text(), "open": lambda: p.open().read(),
    "open_builtin": lambda: open(p), "open_pure": lambda: open(pure),
    "open_fspath": lambda: open(p.__fspath__()), "io_open": lambda: io.open(p),
    "subclass_read": lambda: Mine("/etc/passwd").read_text(),
    "subclass_super_open": lambda: Concrete("/etc/passwd").open(),
    "subclass_read_text": lambda: Concrete("/etc/passwd").read_text(),
    "super_pure": lambda: super(PosixPath, p).read_text(),
    "super_path": lambda: super(Path, p).read_text(),
    "module_os": lambda: pathlib.os, "module_sys": lambda: pathlib.sys,
    "module_dict": lambda: pathlib.__dict__, "vars_module": lambda: vars(pathlib),
    "flavour": lambda: p._flavour, "class_flavour": lambda: PurePosixPath._flavour,
    "subclass_flavour": lambda: Mine._flavour, "accessor": lambda: p._accessor,
    "from_parts": lambda: Path._from_parts, "parse_args": lambda: pure._parse_args,
    "mro": lambda: type(p).__mro__, "bases": lambda: Path.__bases__,
    "base": lambda: PosixPath.__base__, "subclasses": lambda: PurePath.__subclasses__(),
    "class_dict": lambda: type(p).__dict__, "vars_class": lambda: vars(Path),
    "method_globals": lambda: Path.read_text.__globals__,
    "method_closure": lambda: Path.read_text.__closure__,
    "new_globals": lambda: Path.__new__.__globals__,
    "pure_globals": lambda: PurePosixPath.joinpath.__globals__,
    "enter_globals": lambda: getattr(Path, "__enter__").__globals__,
    "format_field": lambda: "{0._flavour}".format(p),
    "attrgetter": lambda: operator.attrgetter("_flavour")(p),
    "getattribute": lambda: object.__getattribute__(p, "_flavour"),
    "reduce": lambda: p.__reduce__(), "copy_read": lambda: copy.deepcopy(p).read_text(),
    "parents_class": lambda: p.parents._pathcls, "parents_dict": lambda: vars(p.parents),
    "class_store": lambda: setattr(Path, "read_text", lambda self: "x"),
    "pure_class_store": lambda: setattr(PurePath, "__truediv__", None),
    "slot_store": lambda: setattr(p, "_parts", ["x"]),
    "module_of_class": lambda: type(p).__module__,
}
out = {name: attempt(f) for name, f in tries.items()}
out["dir"] = sorted(n for n in dir(pathlib) if not n.startswith("__"))
return out
"""
)


async def test_pathlib_escapes(driver: Any) -> None:
    result = await run(driver, PATH_ESCAPES)
    assert result.success, result.error
    out = result.result
    assert out.pop("module_of_class") == "pathlib"  # a name, not the module
    assert out.pop("dir") == [
        "Path",
        "PosixPath",
        "PurePath",
        "PurePosixPath",
        "PureWindowsPath",
        "WindowsPath",
    ]
    leaked = {k: v for k, v in out.items() if not str(v).startswith("refused")}
    assert leaked == {}, leaked
    assert "root:" not in str(result.result)
    for name in ("read_text", "open", "subclass_super_open", "subclass_read_text", "copy_read"):
        assert out[name] == "refused PermissionError", (name, out[name])
