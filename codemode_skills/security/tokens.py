"""Execution tokens: short-lived, signed statements of who an execution acts for.

When a sandbox is not in this process (the subprocess driver's workers, or a remote
runner), every call it sends back carries the token its execution was given. The bridge
verifies the token on each call — signature, expiry, the execution it belongs to, and the
scopes the tool needs — instead of trusting whatever the other side says.

The format is a JWT (RFC 7519) signed with HMAC-SHA256, so other services can verify it
with any JWT library: header ``{"alg":"HS256","typ":"JWT"}``; claims ``tenant``, ``sub``
(user), ``scope`` (space-separated, as in OAuth), ``jti`` (the request id), ``iat``,
``exp``. Only HS256 is accepted: ``alg: none`` and algorithm confusion are refused.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable
from typing import Any

from ..errors import TokenError, TokenExpired
from .context import ExecutionContext

DEFAULT_TTL_S = 300.0
_HEADER = {"alg": "HS256", "typ": "JWT"}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise TokenError("malformed execution token") from None


_HEADER_B64 = _b64(json.dumps(_HEADER, separators=(",", ":")).encode())


class TokenSigner:
    """Issues and verifies execution tokens with one secret key.

    ``TokenSigner(key)`` with at least 32 bytes of secret (share it between the processes
    that must verify each other's tokens); ``TokenSigner()`` makes a random key that lives
    as long as the process. ``ttl_s``: lifetime of issued tokens (default 5 minutes).
    """

    def __init__(
        self,
        key: bytes | str | None = None,
        *,
        ttl_s: float = DEFAULT_TTL_S,
        leeway_s: float = 0.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if key is None:
            key = secrets.token_bytes(32)
        if isinstance(key, str):
            key = key.encode("utf-8")
        if len(key) < 32:
            raise ValueError("an execution token key needs at least 32 bytes of secret")
        if ttl_s <= 0:
            raise ValueError("ttl_s must be positive")
        self._key = key
        self.ttl_s = ttl_s
        self.leeway_s = leeway_s
        self.clock = clock

    def _sign(self, signing_input: str) -> str:
        return _b64(hmac.new(self._key, signing_input.encode("ascii"), hashlib.sha256).digest())

    def issue(self, context: ExecutionContext, *, ttl_s: float | None = None) -> str:
        """A token for ``context``, valid for ``ttl_s`` (default: the signer's)."""
        now = self.clock()
        claims = {
            "tenant": context.tenant,
            "sub": context.user,
            "scope": " ".join(sorted(context.scopes)),
            "jti": context.request_id,
            "iat": int(now),
            "exp": now + (ttl_s if ttl_s is not None else self.ttl_s),
        }
        payload = _b64(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode())
        signing_input = f"{_HEADER_B64}.{payload}"
        return f"{signing_input}.{self._sign(signing_input)}"

    def claims(self, token: str) -> dict[str, Any]:
        """Check structure, algorithm and signature; return the claims (expiry unchecked)."""
        if not isinstance(token, str) or token.count(".") != 2 or len(token) > 8192:
            raise TokenError("malformed execution token")
        header_b64, payload_b64, signature = token.split(".")
        try:
            header = json.loads(_unb64(header_b64))
        except ValueError:
            raise TokenError("malformed execution token") from None
        if header != _HEADER:
            raise TokenError("execution token: only HS256 tokens are accepted")
        if not hmac.compare_digest(self._sign(f"{header_b64}.{payload_b64}"), signature):
            raise TokenError("execution token signature does not match")
        try:
            claims = json.loads(_unb64(payload_b64))
        except ValueError:
            raise TokenError("malformed execution token") from None
        if not isinstance(claims, dict) or not isinstance(claims.get("exp"), (int, float)):
            raise TokenError("execution token has no expiry")
        return claims

    def check_expiry(self, claims: dict[str, Any]) -> None:
        if self.clock() > claims["exp"] + self.leeway_s:
            raise TokenExpired("the execution token has expired")

    def verify(self, token: str) -> ExecutionContext:
        """The context a valid, unexpired token stands for; ``TokenError`` otherwise."""
        claims = self.claims(token)
        self.check_expiry(claims)
        return context_of(claims)


def context_of(claims: dict[str, Any]) -> ExecutionContext:
    try:
        scope = claims.get("scope") or ""
        return ExecutionContext(
            tenant=claims["tenant"],
            user=claims.get("sub"),
            scopes=frozenset(scope.split()),
            request_id=claims["jti"],
        )
    except (KeyError, TypeError, AttributeError, ValueError):
        raise TokenError("execution token claims are incomplete") from None
