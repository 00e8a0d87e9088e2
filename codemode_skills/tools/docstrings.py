"""Just enough docstring parsing for tool descriptions (Google and reST styles)."""

from __future__ import annotations

import inspect
import re

_SECTION = re.compile(r"^(Args|Arguments|Parameters|Returns|Raises|Yields|Examples?|Notes?):\s*$")
_GOOGLE_PARAM = re.compile(r"^\s*(\w+)\s*(?:\([^)]*\))?\s*:\s*(.*)$")
_REST_PARAM = re.compile(r"^\s*:param\s+(?:\w+\s+)?(\w+):\s*(.*)$")


def parse_docstring(doc: str) -> tuple[str, dict[str, str]]:
    """Return (description, {param: description}).

    The description is everything before the first section header or ``:param``.
    """
    lines = inspect.cleandoc(doc).splitlines()
    summary: list[str] = []
    params: dict[str, str] = {}
    section: str | None = None
    current: str | None = None
    for line in lines:
        header = _SECTION.match(line.strip())
        rest = _REST_PARAM.match(line)
        if header:
            section, current = header.group(1), None
            continue
        if rest:
            section, current = "Args", rest.group(1)
            params[current] = rest.group(2).strip()
            continue
        if line.strip().startswith(":"):  # another reST field (:returns:, :raises:...)
            section, current = "Other", None
            continue
        if section is None:
            summary.append(line)
        elif section in ("Args", "Arguments", "Parameters"):
            match = _GOOGLE_PARAM.match(line)
            if match and line.startswith((" ", "\t")) and not line.startswith(("        ", "\t\t")):
                current = match.group(1)
                params[current] = match.group(2).strip()
            elif current and line.strip():
                params[current] = (params[current] + " " + line.strip()).strip()
    return "\n".join(summary).strip(), params
