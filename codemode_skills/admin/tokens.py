"""Who may review: admin tokens, each naming a reviewer and the tenants they may judge.

Read from ``TOKEN:NAME:TENANTS`` lines (``codemode-skills review serve --tokens FILE``);
the web page (``web``) logs a browser in with one. No web dependency: the command line
checks token files without the ``admin`` extra.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ..errors import InvalidSkillName
from ..security.context import validate_tenant


@dataclass(frozen=True)
class AdminToken:
    """The holder of an admin token: ``name`` is recorded as the reviewer of every
    decision; ``tenants`` is a set of tenant ids, or ``"*"`` for every tenant."""

    name: str
    tenants: frozenset[str] | set[str] | Literal["*"] = frozenset()

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ValueError("an admin token needs a reviewer name")
        if self.tenants != "*":
            object.__setattr__(self, "tenants", frozenset(validate_tenant(t) for t in self.tenants))

    def allows(self, tenant: str) -> bool:
        return self.tenants == "*" or tenant in self.tenants

    @classmethod
    def of(cls, value: AdminToken | Mapping[str, Any]) -> AdminToken:
        """An ``AdminToken`` or a dict ``{"name": "alice", "tenants": ["acme"] | "*"}``."""
        if isinstance(value, AdminToken):
            return value
        tenants = value.get("tenants", ())
        return cls(name=str(value["name"]), tenants="*" if tenants == "*" else frozenset(tenants))


def parse_token(spec: str) -> tuple[str, AdminToken]:
    """``TOKEN:NAME:TENANTS`` (tenants comma-separated, or ``*``) -> (token, AdminToken)."""
    parts = spec.strip().rsplit(":", 2)
    if len(parts) != 3 or not all(p.strip() for p in parts):
        raise ValueError("a token is TOKEN:NAME:TENANTS, e.g. s3cret...:alice:acme,globex or :*")
    token, name, tenants = (p.strip() for p in parts)
    if tenants == "*":
        return token, AdminToken(name=name, tenants="*")
    return token, AdminToken(name=name, tenants=frozenset(t.strip() for t in tenants.split(",")))


def load_tokens(path: str | Path) -> dict[str, AdminToken]:
    """A token file: one ``TOKEN:NAME:TENANTS`` per line; blank lines and ``#`` comments
    are skipped. Keep it readable by the server's user only (tokens are passwords)."""
    tokens: dict[str, AdminToken] = {}
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if line.strip() and not line.lstrip().startswith("#"):
            try:
                token, admin = parse_token(line)
            except (ValueError, InvalidSkillName) as exc:
                raise ValueError(f"{path}, line {number}: {exc}") from None
            tokens[token] = admin
    return tokens
