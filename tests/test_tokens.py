"""Execution tokens: signing, and the bridge refusing tampered, expired, foreign and
under-scoped tokens on every call."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from codemode_skills import ExecutionContext, create_code_mode, tool
from codemode_skills.errors import TokenError, TokenExpired
from codemode_skills.sandbox.bridge import Bridge, BridgeError
from codemode_skills.security import TokenSigner

KEY = b"k" * 32


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@tool(scopes={"payments"})
def charge(amount: int) -> dict[str, int]:
    """Charge an amount."""
    return {"charged": amount}


@tool
def ping() -> str:
    """Answer pong."""
    return "pong"


ALICE = ExecutionContext(tenant="acme", user="alice", scopes={"payments"}, request_id="r1")


def _segments(token: str) -> list[str]:
    return token.split(".")


def _decode(segment: str) -> dict[str, Any]:
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def _encode(claims: dict[str, Any]) -> str:
    raw = json.dumps(claims, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_round_trip_is_a_standard_hs256_jwt() -> None:
    clock = Clock()
    signer = TokenSigner(KEY, clock=clock)
    token = signer.issue(ALICE)
    header, claims = _decode(_segments(token)[0]), _decode(_segments(token)[1])
    assert header == {"alg": "HS256", "typ": "JWT"}
    assert claims["tenant"] == "acme" and claims["sub"] == "alice" and claims["jti"] == "r1"
    assert claims["scope"] == "payments" and claims["exp"] == clock.now + 300
    assert signer.verify(token) == ALICE


@pytest.mark.parametrize("change", ["scope", "tenant", "exp"])
def test_tampered_claims_are_refused(change: str) -> None:
    signer = TokenSigner(KEY)
    head, payload, sig = _segments(signer.issue(ALICE.model_copy(update={"scopes": frozenset()})))
    forged = {"scope": "payments admin", "tenant": "globex", "exp": 9e12}
    claims = {**_decode(payload), change: forged[change]}
    with pytest.raises(TokenError, match="signature"):
        signer.verify(f"{head}.{_encode(claims)}.{sig}")


def test_other_keys_alg_none_and_garbage_are_refused() -> None:
    signer = TokenSigner(KEY)
    token = TokenSigner(b"x" * 32).issue(ALICE)
    with pytest.raises(TokenError, match="signature"):
        signer.verify(token)
    _, payload, _ = _segments(signer.issue(ALICE))
    none_header = _encode({"alg": "none", "typ": "JWT"})
    with pytest.raises(TokenError, match="HS256"):
        signer.verify(f"{none_header}.{payload}.")
    for junk in ("", "a.b", "a.b.c.d", "!!!.###.$$$", "x" * 9000):
        with pytest.raises(TokenError):
            signer.verify(junk)


def test_expiry_and_key_rules() -> None:
    clock = Clock()
    signer = TokenSigner(KEY, ttl_s=300, clock=clock)
    token = signer.issue(ALICE)
    clock.now += 299
    assert signer.verify(token).user == "alice"
    clock.now += 2
    with pytest.raises(TokenExpired):
        signer.verify(token)
    with pytest.raises(ValueError, match="32 bytes"):
        TokenSigner(b"short")
    with pytest.raises(ValueError):
        TokenSigner(KEY, ttl_s=0)


async def test_bridge_refuses_every_bad_token_per_call() -> None:
    clock = Clock()
    signer = TokenSigner(KEY, clock=clock)
    bridge = Bridge({"charge": charge}, context=ALICE, signer=signer)
    assert await bridge.call("tools", "charge", {"amount": 5}, bridge.token) == {"charged": 5}
    head, payload, sig = _segments(bridge.token or "")
    bad = {
        "missing": None,
        "tampered": f"{head}.{payload[:-2]}xx.{sig}",
        "foreign key": TokenSigner(b"z" * 32).issue(ALICE),
        "another execution": signer.issue(ALICE.model_copy(update={"request_id": "r2"})),
        "no scope": signer.issue(ALICE.model_copy(update={"scopes": frozenset({"read"})})),
    }
    for why, token in bad.items():
        with pytest.raises(BridgeError) as caught:
            await bridge.call("tools", "charge", {"amount": 5}, token)
        assert caught.value.type == "PermissionDenied", why
    clock.now += 301  # the execution's own token, later
    with pytest.raises(BridgeError, match="expired"):
        await bridge.call("tools", "charge", {"amount": 5}, bridge.token)


async def test_a_token_expiring_mid_run_stops_the_next_call(driver: Any) -> None:
    """End to end on both drivers: the worker sends its token with each call; when the
    clock passes the expiry, the next call is refused and the program sees it."""
    clock = Clock()

    @tool
    def advance(seconds: float) -> None:
        """Move the signer's clock."""
        clock.now += seconds

    cm = create_code_mode(
        [charge, advance], driver=driver, signer=TokenSigner(KEY, ttl_s=60, clock=clock)
    )
    code = (
        "first = await tools.charge(amount=1)\n"
        "await tools.advance(seconds=61)\n"
        "try:\n"
        "    await tools.charge(amount=2)\n"
        "except PermissionDenied as exc:\n"
        "    return [first, 'refused', str(exc)]\n"
        "return 'ran'"
    )
    result = await cm.execute(code, context=ALICE)
    assert result.success, result.error
    assert result.result[:2] == [{"charged": 1}, "refused"]
    assert "expired" in result.result[2]
    cm.events.close()
