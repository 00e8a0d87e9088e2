"""The review web page: a small server-rendered Starlette app over ``ReviewService``.

Skill code, descriptions and error texts are written by models and users, so every page
is rendered by Jinja2 with autoescape on (``rendering``: no control or bidirectional
character is ever shipped raw) and served with a Content-Security-Policy that allows no
script at all. Access is by admin token: ``tokens`` maps each secret token to an
``AdminToken`` (the reviewer's name, recorded with every decision, and the tenants it may
review). A browser logs in once with the token and then carries an expiring, signed,
HttpOnly ``SameSite=Strict`` session cookie (never the token itself); scripts may send
``Authorization: Bearer <token>`` instead. Every state change is a POST that carries a
CSRF token (an HMAC of the session) and answers with a redirect (Post/Redirect/GET).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import InvalidSkillName, ReviewConflict, ReviewInputError, ReviewNotFound
from ..records.display import visible
from ..security.context import validate_tenant
from ..trust import TrustLevel
from .rendering import diff_lines, environment
from .review import ReviewService
from .tokens import AdminToken

HERE = Path(__file__).parent
SESSION_COOKIE = "cms_admin"
FLASH_COOKIE = "cms_flash"
MIN_TOKEN_CHARS = 16
_DONE = {"approve": "approved", "reject": "rejected", "demote": "demoted"}
_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'none'; style-src 'self'; img-src 'self'; "
        b"form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),  # "no-referrer" would send Origin: null
    (b"cache-control", b"no-store"),
]


class _SecurityHeaders:
    """Adds the CSP and friends to every response (pages, redirects, static files)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *_HEADERS]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class _Auth:
    """Token lookup, sessions, CSRF tokens and signed flash messages (one random key)."""

    def __init__(
        self, tokens: Mapping[str, AdminToken | Mapping[str, Any]], key: bytes, session_s: int
    ) -> None:
        self.tokens = [(t.encode(), AdminToken.of(a)) for t, a in tokens.items()]
        if not self.tokens:
            raise ValueError("the admin page needs at least one admin token")
        short = [a.name for t, a in self.tokens if len(t) < MIN_TOKEN_CHARS]
        if short:
            raise ValueError(f"admin tokens need {MIN_TOKEN_CHARS}+ characters (short: {short})")
        self.key, self.session_s = key, session_s

    def _mac(self, *parts: bytes) -> str:
        return hmac.new(self.key, b"\n".join(parts), hashlib.sha256).hexdigest()

    @staticmethod
    def same(expected: str, presented: str) -> bool:
        """Constant-time, and safe for any text a client sends (bytes, not ASCII-only str)."""
        return hmac.compare_digest(expected.encode(), presented.encode())

    def by_token(self, presented: str) -> tuple[bytes, AdminToken] | None:
        found = None
        for token, admin in self.tokens:  # no early exit: every comparison is made
            if hmac.compare_digest(token, presented.encode()):
                found = (token, admin)
        return found

    def new_session(self, token: bytes) -> str:
        expires = str(int(time.time()) + self.session_s).encode()
        return f"{expires.decode()}.{self._mac(b'session', token, expires)}"

    def by_session(self, cookie: str) -> AdminToken | None:
        expires, _, mac = cookie.partition(".")
        if not (expires.isascii() and expires.isdigit()) or int(expires) < time.time():
            return None
        found = None
        for token, admin in self.tokens:
            if self.same(self._mac(b"session", token, expires.encode()), mac):
                found = admin
        return found

    def csrf(self, session: str) -> str:
        return self._mac(b"csrf", session.encode())

    def pack_flash(self, kind: str, text: str) -> str:
        body = base64.urlsafe_b64encode(json.dumps([kind, text[:500]]).encode()).decode()
        return f"{body}.{self._mac(b'flash', body.encode())}"

    def unpack_flash(self, value: str) -> tuple[str, str] | None:
        body, _, mac = value.partition(".")
        if not self.same(self._mac(b"flash", body.encode()), mac):
            return None
        kind, text = json.loads(base64.urlsafe_b64decode(body))
        return str(kind), str(text)


@dataclass
class _Who:
    admin: AdminToken
    session: str | None  # None: a Bearer request (no cookie, so no CSRF to check)


def _safe_next(target: str | None) -> str:
    """Only a local path: a login link must not bounce the admin to another site."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _cross_site(request: Request) -> bool:
    """A browser's POST from another origin (defence in depth beside SameSite and CSRF)."""
    origin = request.headers.get("origin")
    return bool(origin) and urlsplit(origin or "").netloc != request.headers.get("host")


def create_admin_app(
    service: ReviewService,
    *,
    tokens: Mapping[str, AdminToken | Mapping[str, Any]],
    secure_cookies: bool = False,
    session_hours: float = 8.0,
    secret_key: bytes | None = None,
) -> Starlette:
    """The review page over ``service``. ``tokens``: secret -> ``AdminToken`` (or a dict
    ``{"name": ..., "tenants": [...] | "*"}``). ``secure_cookies=True`` behind HTTPS.
    ``secret_key`` signs sessions and CSRF tokens (default: random, so a restart logs
    everyone out; pass one to share sessions between workers)."""
    auth = _Auth(tokens, secret_key or secrets.token_bytes(32), int(session_hours * 3600))
    env = environment(HERE / "templates")

    def page(request: Request, template: str, code: int = 200, **ctx: Any) -> Response:
        flash = None
        if FLASH_COOKIE in request.cookies:
            flash = auth.unpack_flash(request.cookies[FLASH_COOKIE])
        who: _Who | None = ctx.pop("who", None)
        html = env.get_template(template).render(
            flash=flash,
            admin=who.admin if who else None,
            csrf=auth.csrf(who.session) if who and who.session else "",
            **ctx,
        )
        response = HTMLResponse(visible(html), status_code=code)  # a last scrub
        if FLASH_COOKIE in request.cookies:
            response.delete_cookie(FLASH_COOKIE, path="/")
        return response

    def error(request: Request, status: int, message: str, who: _Who | None = None) -> Response:
        return page(request, "error.html", status, who=who, status=status, message=message)

    def redirect(url: str, flash: tuple[str, str] | None = None) -> Response:
        response = RedirectResponse(url, status_code=303)
        if flash is not None:
            response.set_cookie(
                FLASH_COOKIE,
                auth.pack_flash(*flash),
                max_age=60,
                path="/",
                httponly=True,
                samesite="strict",
                secure=secure_cookies,
            )
        return response

    def identify(request: Request) -> _Who | Response:
        header = request.headers.get("authorization", "")
        if header:
            scheme, _, value = header.partition(" ")
            found = auth.by_token(value.strip()) if scheme.lower() == "bearer" else None
            if found is None:
                return error(request, 401, "The bearer token is not valid.")
            return _Who(found[1], None)
        session = request.cookies.get(SESSION_COOKIE, "")
        admin = auth.by_session(session) if session else None
        if admin is not None:
            return _Who(admin, session)
        if request.method == "GET":
            return redirect("/login?next=" + quote(request.url.path, safe=""))
        return error(request, 401, "Log in first.")

    def guard(request: Request, tenant: str | None = None) -> _Who | Response:
        """Who asks, and whether they may: 401/redirect, 403 (tenant, CSRF, origin)."""
        who = identify(request)
        if isinstance(who, Response):
            return who
        if request.method == "POST" and _cross_site(request):
            return error(request, 403, "Cross-site request refused.", who)
        if tenant is not None:
            try:
                validate_tenant(tenant)
            except InvalidSkillName:
                return error(request, 404, "No such tenant.", who)
            if not who.admin.allows(tenant):
                return error(request, 403, f"Your token may not review tenant {tenant!r}.", who)
        return who

    async def check_csrf(request: Request, who: _Who) -> dict[str, str] | Response:
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        if who.session is not None and not auth.same(auth.csrf(who.session), form.get("csrf", "")):
            return error(request, 403, "Missing or stale form token: reload the page.", who)
        return form

    async def login_form(request: Request) -> Response:
        return page(request, "login.html", next=_safe_next(request.query_params.get("next")))

    async def login(request: Request) -> Response:
        form = await request.form()
        target = _safe_next(str(form.get("next") or "/"))
        if _cross_site(request):
            return error(request, 403, "Cross-site request refused.")
        found = auth.by_token(str(form.get("token") or "").strip())
        if found is None:
            return page(request, "login.html", 401, next=target, failed=True)
        response = redirect(target)
        response.set_cookie(
            SESSION_COOKIE,
            auth.new_session(found[0]),
            path="/",
            max_age=auth.session_s,
            httponly=True,
            samesite="strict",
            secure=secure_cookies,
        )
        return response

    async def logout(request: Request) -> Response:
        who = guard(request)
        if isinstance(who, Response):
            return who
        form = await check_csrf(request, who)
        if isinstance(form, Response):
            return form
        response = redirect("/login")
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    async def home(request: Request) -> Response:
        who = guard(request)
        if isinstance(who, Response):
            return who
        wanted = request.query_params.get("tenant")
        if wanted:
            return redirect(f"/t/{quote(wanted.strip(), safe='')}")
        tenants = None if who.admin.tenants == "*" else sorted(who.admin.tenants)
        return page(request, "home.html", who=who, tenants=tenants)

    async def queue(request: Request) -> Response:
        tenant = request.path_params["tenant"]
        who = guard(request, tenant)
        if isinstance(who, Response):
            return who
        return page(request, "queue.html", who=who, queue=await service.queue(tenant))

    async def skill(request: Request) -> Response:
        tenant, name = request.path_params["tenant"], request.path_params["name"]
        who = guard(request, tenant)
        if isinstance(who, Response):
            return who
        try:
            numbers = [request.query_params.get(k) for k in ("from", "to")]
            old, new = (int(n) if n else None for n in numbers)
        except ValueError:
            return error(request, 400, "Versions are numbers.", who)
        try:
            detail = await service.detail(tenant, name, from_version=old, to_version=new)
        except ReviewNotFound as exc:
            return error(request, 404, str(exc), who)
        except ReviewInputError as exc:
            return error(request, 400, str(exc), who)
        lower = [t for t in TrustLevel if t < detail.skill.trust]
        return page(
            request,
            "skill.html",
            who=who,
            d=detail,
            s=detail.skill,
            lower=lower,
            diff=diff_lines(detail.diff.text),
        )

    async def decide(request: Request) -> Response:
        tenant, name = request.path_params["tenant"], request.path_params["name"]
        action = request.path_params["action"]
        if action not in _DONE:
            return error(request, 404, "Unknown action.")
        who = guard(request, tenant)
        if isinstance(who, Response):
            return who
        form = await check_csrf(request, who)
        if isinstance(form, Response):
            return form
        reviewer, reason = who.admin.name, form.get("reason")
        back = f"/t/{quote(tenant, safe='')}/skills/{quote(name, safe='')}"
        try:
            if action == "approve":
                done = await service.approve(tenant, name, reviewer)
            elif action == "reject":
                done = await service.reject(tenant, name, reviewer, reason)
            else:
                done = await service.demote(tenant, name, reviewer, reason, form.get("to"))
        except ReviewNotFound as exc:
            return error(request, 404, str(exc), who)
        except (ReviewConflict, ReviewInputError) as exc:
            return redirect(back, ("error", f"Not {_DONE[action]}: {exc}"))
        state = f"{done.trust.value}, {done.status.value}"
        return redirect(back, ("ok", f"{name} {_DONE[action]} by {reviewer}: now {state}."))

    routes = [
        Route("/login", login_form, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/", home, methods=["GET"]),
        Route("/t/{tenant}", queue, methods=["GET"]),
        Route("/t/{tenant}/skills/{name}", skill, methods=["GET"]),
        Route("/t/{tenant}/skills/{name}/{action}", decide, methods=["POST"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    return Starlette(routes=routes, middleware=[Middleware(_SecurityHeaders)])
