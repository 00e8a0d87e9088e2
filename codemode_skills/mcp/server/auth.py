"""Bearer tokens over HTTP: the project's scoped tokens, verified per request.

A token is the JWT that ``security.tokens.TokenSigner`` issues (HS256; claims
``tenant``, ``sub``, ``scope``, ``jti``, ``exp``), signed with the server's key
(``codemode-skills mcp token`` prints one). ``ScopedTokenVerifier`` is the SDK's
``TokenVerifier``: a token that is malformed, signed with another key, expired or revoked
verifies to nothing, and the SDK's middleware answers 401 before any MCP message is read.
Revocation is by ``jti``, one per line in a file the verifier rereads when it changes, so
an operator revokes a token without restarting the server.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from mcp.server.auth.provider import AccessToken

from ...errors import TokenError
from ...security.audit import Auditor
from ...security.context import ExecutionContext, new_request_id
from ...security.tokens import TokenSigner, context_of

log = logging.getLogger("codemode_skills.mcp.server")

#: The audit action of a refused bearer token (its tenant is known once it is signed).
AUTH_ACTION = "mcp_auth"


class RevocationList:
    """Revoked token ids (``jti``), one per line (``#`` comments), reread on change."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._stamp: tuple[int, int] | None = None
        self._ids: frozenset[str] = frozenset()

    def __contains__(self, jti: object) -> bool:
        self._reload()
        return jti in self._ids

    def _reload(self) -> None:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            self._stamp, self._ids = None, frozenset()
            return
        stamp = (st.st_mtime_ns, st.st_size)
        if stamp != self._stamp:
            lines = self.path.read_text(encoding="utf-8").splitlines()
            self._ids = frozenset(x.strip() for x in lines if x.strip() and x[0] != "#")
            self._stamp = stamp


class ScopedTokenVerifier:
    """Our tokens as the SDK's ``AccessToken``: ``client_id`` is the tenant, ``subject``
    the user, ``scopes`` the granted scopes. The SDK binds an HTTP session to the
    principal that opened it, so one tenant's token cannot use another's session."""

    def __init__(
        self,
        signer: TokenSigner,
        *,
        revoked: RevocationList | None = None,
        auditor: Auditor | None = None,
    ) -> None:
        self.signer = signer
        self.revoked = revoked
        self.auditor = auditor or Auditor(None)

    async def verify_token(self, token: str) -> AccessToken | None:
        try:
            claims = self.signer.claims(token)
        except TokenError as exc:
            log.info("bearer token refused: %s", exc)
            return None
        try:
            context = context_of(claims)
            self.signer.check_expiry(claims)
            if self.revoked is not None and context.request_id in self.revoked:
                raise TokenError("the token was revoked")
        except TokenError as exc:
            self._refused(claims, type(exc).__name__, str(exc))
            return None
        return AccessToken(
            token=token,
            client_id=context.tenant,
            scopes=sorted(context.scopes),
            expires_at=int(claims["exp"]),
            subject=context.user,
            claims={"tenant": context.tenant, "jti": context.request_id},
        )

    def _refused(self, claims: dict[str, Any], error: str, why: str) -> None:
        """A signed token that is no longer good: worth an audit record for its tenant."""
        log.info("bearer token refused: %s", why)
        tenant = claims.get("tenant")
        self.auditor.record(
            AUTH_ACTION,
            outcome="refused",
            tenant=tenant if isinstance(tenant, str) else None,
            user=claims.get("sub") if isinstance(claims.get("sub"), str) else None,
            target="bearer token",
            error=error,
        )


def identity_of(token: AccessToken) -> ExecutionContext:
    """Who one MCP request acts for: the token's tenant, user and scopes, with a request
    id of its own (trust counts distinct requests; the token's ``jti`` names the token)."""
    claims = token.claims or {}
    return ExecutionContext(
        tenant=claims.get("tenant", token.client_id),
        user=token.subject,
        scopes=frozenset(token.scopes),
        request_id=new_request_id(),
    )
