"""How stored skill text is shown to a person: the one escaping rule.

Skill code, descriptions, tags, notes and run errors are written by models and users. A
terminal obeys control characters (``ESC[2K`` erases a line, ``OSC 52`` writes the
clipboard) and a browser or editor reorders text around bidirectional controls (Trojan
Source, CVE-2021-42574), so what a reviewer reads could differ from what runs. Every
place that shows such text to a person (the review CLI, ``codemode-skills skills``, the
review web page) passes it through ``visible``: a character ``str.isprintable`` calls
non-printable (C0 and C1 controls, DEL, bidirectional and other format characters, line
and paragraph separators, unusual spaces, unassigned code points) is replaced by its
Python escape, ``\\x1b``, ``\\u202e`` or ``\\U000e0041``. Newline and tab are kept: they
only move the cursor forward and are how code is laid out.

Registration refuses the worst of these in code (``code_characters``): controls and
bidirectional marks have no business outside string escapes, where ``'\\u202e'`` says
the same thing visibly.
"""

from __future__ import annotations

import sys
import unicodedata
from dataclasses import dataclass

#: Characters kept as they are although ``str.isprintable`` says no.
KEPT = frozenset("\n\t")

#: Bidirectional controls: embeddings, overrides, isolates and marks (Trojan Source).
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)

#: Line breaks Python does not treat as line breaks but editors and browsers may show.
UNICODE_LINE_BREAKS = frozenset("\u2028\u2029")


def is_hidden(char: str) -> bool:
    """Whether ``char`` is shown escaped (see the module docstring)."""
    return char not in KEPT and not char.isprintable()


def escape_char(char: str) -> str:
    """``char`` as a Python escape: ``\\x1b``, ``\\u202e``, ``\\U000e0041``."""
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def has_hidden(text: str) -> bool:
    """Whether ``visible(text)`` would change anything (C speed for ordinary text)."""
    return not text.replace("\n", "").replace("\t", "").isprintable()


def visible(text: object) -> str:
    """``text`` with every hidden character written as its escape: safe to print to a
    terminal or put on a page, and shows a reviewer exactly which characters are there."""
    text = str(text)
    if not has_hidden(text):
        return text
    return "".join(escape_char(c) if is_hidden(c) else c for c in text)


def say(text: object = "", *, err: bool = False) -> None:
    """``print(visible(text))`` (to stderr with ``err``): how the command line writes
    anything that may hold stored text."""
    print(visible(text), file=sys.stderr if err else sys.stdout)


def describe(char: str) -> str:
    """``U+202E RIGHT-TO-LEFT OVERRIDE``: how a warning names a character."""
    name = unicodedata.name(char, "") or _CONTROL_NAMES.get(char, "control character")
    return f"U+{ord(char):04X} {name}"


_CONTROL_NAMES = {"\x1b": "ESCAPE", "\r": "CARRIAGE RETURN", "\x7f": "DELETE", "\x00": "NULL"}


@dataclass(frozen=True)
class HiddenChar:
    """One hidden character in a text: where (1-based line and column) and which."""

    where: str
    line: int
    column: int
    char: str

    def __str__(self) -> str:
        return f"{self.where} line {self.line}, column {self.column}: {describe(self.char)}"


def hidden_characters(text: str, where: str, *, limit: int = 20) -> list[HiddenChar]:
    """The first ``limit`` hidden characters of ``text`` (``where`` names the text)."""
    found: list[HiddenChar] = []
    if not has_hidden(text):
        return found
    for number, line in enumerate(text.split("\n"), 1):
        for column, char in enumerate(line, 1):
            if is_hidden(char):
                found.append(HiddenChar(where, number, column, char))
                if len(found) >= limit:
                    return found
    return found


def refused_in_code(char: str) -> bool:
    """Characters registration refuses in skill code: controls (other than tab, newline
    and carriage return), DEL, C1 controls, bidirectional controls and U+2028/U+2029."""
    if char in "\t\n\r":
        return False
    return (
        unicodedata.category(char) == "Cc" or char in BIDI_CONTROLS or char in UNICODE_LINE_BREAKS
    )


def code_characters(code: str, *, limit: int = 5) -> list[str]:
    """Why ``code`` cannot be stored because of the characters in it (empty: it can)."""
    found = [h for h in hidden_characters(code, "code", limit=10_000) if refused_in_code(h.char)]
    if not found:
        return []
    listed = "; ".join(str(h) for h in found[:limit])
    more = f" (and {len(found) - limit} more)" if len(found) > limit else ""
    return [
        f"code contains control or bidirectional characters, which can make it read "
        f"differently from how it runs: {listed}{more}. Write them as escapes inside "
        f"strings (e.g. '\\u202e')"
    ]


def hidden_warning(found: list[str]) -> str:
    """The warning a reviewer gets when a skill's text holds hidden characters (``found``
    says where; the caller lists it after the warning)."""
    return (
        "warning: this skill's text contains hidden or control characters (bidirectional "
        "overrides, terminal escapes...) that can make it read differently from how it "
        "runs. They are shown as escapes such as \\u202e; the stored text has the real "
        f"characters. Where ({len(found)} shown):"
    )
