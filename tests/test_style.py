"""The code stays formatter-owned, lint-clean and in files of one concept each."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("codemode_skills", "tests", "bench", "scripts", "examples")

#: "no file over ~400 lines": a little slack for a docstring, none for a second concept.
MAX_LINES = 420


def _python_files() -> list[Path]:
    return sorted(p for d in SOURCES if (ROOT / d).exists() for p in (ROOT / d).rglob("*.py"))


def _ruff() -> list[str]:
    if shutil.which("ruff"):
        return ["ruff"]
    try:
        import ruff  # noqa: F401  (the dev extra installs it)
    except ImportError:
        pytest.skip("ruff is not installed (pip install -e '.[dev]')")
    return [sys.executable, "-m", "ruff"]


def test_no_formatter_opt_outs() -> None:
    marks = ("fmt: " + "skip", "fmt: " + "off")  # spelled apart so this file passes
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in _python_files()
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if any(mark in line for mark in marks)
    ]
    assert not found, found


def test_files_stay_small() -> None:
    long = {
        str(path.relative_to(ROOT)): n
        for path in _python_files()
        if (n := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert not long, long


def test_ruff_lint_and_format_are_clean() -> None:
    ruff = _ruff()
    paths = [d for d in SOURCES if (ROOT / d).exists()]
    lint = subprocess.run([*ruff, "check", *paths], cwd=ROOT, capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout[-3000:]
    fmt = subprocess.run(
        [*ruff, "format", "--check", *paths], cwd=ROOT, capture_output=True, text=True
    )
    assert fmt.returncode == 0, fmt.stdout[-3000:]
