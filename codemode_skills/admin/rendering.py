"""How the review page renders stored text: autoescaped, and never a hidden character raw.

A browser reorders text around bidirectional controls (Trojan Source: an "early return"
hidden inside a string reads as part of a comment), and invisible characters change what
a string is without changing how it looks. So every value a template renders goes
through ``display.visible`` (Jinja's ``finalize``): a hidden character becomes its
escape (``\\u202e``) as plain text, which is safe in element text and attribute values
alike. Code, descriptions, diffs and errors use the ``marked`` filter instead, which
also highlights each escape (``<mark class="hidden-char">``, named in its ``title``),
and the skill page shows a warning banner listing where they are
(``SkillDetail.hidden``). ``web.page`` scrubs the finished page once more.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup, escape

from ..records.display import describe, escape_char, has_hidden, hidden_warning, is_hidden, visible


def diff_lines(text: str) -> list[tuple[str, str]]:
    """Each line of a unified diff with its CSS class (the two file lines are headers)."""
    kinds = {"@": "hunk", "+": "add", "-": "del"}
    return [
        ("meta" if i < 2 else kinds.get(line[:1], "ctx"), line)
        for i, line in enumerate(text.splitlines())
    ]


def finalize(value: Any) -> Any:
    """Every ``{{ value }}``: hidden characters as their escapes (markup is already safe:
    it was built from values that went through here or through ``marked``)."""
    return value if isinstance(value, Markup) else visible(value)


def marked(value: Any) -> Markup:
    """``value`` HTML-escaped, each hidden character a highlighted, named escape."""
    text = str(value)
    if not has_hidden(text):
        return Markup(escape(text))
    mark = Markup('<mark class="hidden-char" title="{}">{}</mark>')
    return Markup("").join(
        mark.format(describe(c), escape_char(c)) if is_hidden(c) else escape(c) for c in text
    )


def environment(templates: Path) -> Environment:
    """The review page's Jinja environment (autoescape, ``finalize``, its filters)."""
    env = Environment(loader=FileSystemLoader(templates), autoescape=True, finalize=finalize)
    env.filters["marked"] = marked
    env.filters["pct"] = lambda v: "–" if v is None else f"{v:.0%}"
    env.filters["dt"] = lambda v: "–" if v is None else v.strftime("%Y-%m-%d %H:%M UTC")
    env.filters["q"] = lambda v: quote(str(v), safe="")
    env.filters["pretty"] = lambda v: json.dumps(v, indent=2, sort_keys=True)
    env.globals["hidden_warning"] = hidden_warning
    return env
