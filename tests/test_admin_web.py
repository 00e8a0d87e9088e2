"""The review web page, served by a real uvicorn on 127.0.0.1: access control and CSRF
over plain HTTP, then a review done by a real headless Chromium (Playwright)."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn

from codemode_skills.admin import (
    AdminToken,
    ReviewService,
    create_admin_app,
    load_tokens,
    parse_token,
)
from codemode_skills.cli.main import main
from codemode_skills.records import SkillStatus
from codemode_skills.storage import SQLAuditLog, open_storage
from codemode_skills.trust import TrustLevel
from tests.conftest import require_external
from tests.test_review import add_skill, promote_for_review

CHROMIUM = "/usr/bin/chromium"
ALICE = "alice-acme-only-token-0123456789"  # may review acme only
ROOT = "root-every-tenant-token-9876543210"  # may review every tenant
XSS = '<script>alert("owned")</script> & <b>bold</b>'
SCREENSHOT = Path(__file__).parent.parent / "docs" / "img" / "admin-review.png"


@dataclass
class Server:
    base: str
    store: str


@pytest.fixture(scope="module")
async def server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Server]:
    """acme: ``basket_total``, ``csv_export`` and ``label_printer`` pending, ``xss_probe``
    with a script in its description; globex: ``payroll_sync`` pending."""
    url = f"sqlite:///{tmp_path_factory.mktemp('web') / 'skills.db'}"
    audit = SQLAuditLog(url)
    for tenant, name in [
        ("acme", "basket_total"),
        ("acme", "csv_export"),
        ("acme", "label_printer"),
        ("globex", "payroll_sync"),
    ]:
        await promote_for_review(
            url, tenant, name, audit=audit, description=f"Count the items of a basket ({name})."
        )
    add_skill(url, "acme", "xss_probe", TrustLevel.UNTRUSTED, description=XSS)
    service = ReviewService(url, audit=audit)
    tokens = {
        ALICE: AdminToken(name="alice", tenants={"acme"}),
        ROOT: {"name": "root", "tenants": "*"},
    }
    app = create_admin_app(service, tokens=tokens)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))  # a free port, held from here on: no race for it
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    uv = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=uv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    wait_until_up(base, thread.is_alive)
    yield Server(base, url)
    uv.should_exit = True
    thread.join()
    sock.close()
    await service.close()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # show redirects to the test instead of following them


_OPENER = urllib.request.build_opener(_NoRedirect)


def fetch(
    url: str,
    *,
    token: str | None = None,
    cookie: str | None = None,
    form: dict[str, str] | None = None,
    origin: str | None = None,
    quiet: bool = False,
) -> tuple[int, dict[str, str], str]:
    """(status, headers, body) of one request; nothing is followed or retried."""
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    request = urllib.request.Request(url, data=data, method="POST" if form is not None else "GET")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    if cookie:
        request.add_header("Cookie", cookie)
    if origin:
        request.add_header("Origin", origin)
    try:
        with _OPENER.open(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode()
    except OSError:
        if quiet:
            return 0, {}, ""
        raise


def wait_until_up(base: str, alive: Callable[[], bool]) -> None:
    """Poll until the server answers; fail if it died (or never answers in a minute)."""
    deadline = time.monotonic() + 60
    while fetch(base + "/login", quiet=True)[0] != 200:
        if not alive() or time.monotonic() > deadline:
            pytest.fail(f"the admin server at {base} did not start")
        time.sleep(0.05)


def login(server: Server, token: str) -> tuple[str, str]:
    """Log in through the form; return the session cookie and a page's CSRF token."""
    status, headers, _ = fetch(server.base + "/login", form={"token": token, "next": "/"})
    assert status == 303 and headers["location"] == "/"
    set_cookie = headers["set-cookie"]
    assert "HttpOnly" in set_cookie and "SameSite=strict" in set_cookie.replace("Strict", "strict")
    assert token not in set_cookie  # the cookie carries a signed session, not the token
    cookie = set_cookie.split(";")[0]
    _, _, page = fetch(server.base + "/t/acme", cookie=cookie)
    match = re.search(r'name="csrf" value="([0-9a-f]{64})"', page)
    assert match, "the page has no CSRF field"
    return cookie, match.group(1)


def stored(server: Server, name: str, tenant: str = "acme") -> tuple[TrustLevel, SkillStatus]:
    skill = open_storage(server.store, tenant=tenant).get(name)  # a fresh view of the store
    return skill.trust, skill.status


# -- plain HTTP: who may see and do what ---------------------------------------------------
def test_no_token_redirects_to_login_or_is_refused(server: Server) -> None:
    status, headers, _ = fetch(server.base + "/t/acme/skills/basket_total")
    assert status == 303 and headers["location"].startswith("/login?next=%2Ft%2Facme")
    assert fetch(server.base + "/t/acme/skills/basket_total/approve", form={})[0] == 401
    assert fetch(server.base + "/t/acme", token="not-a-valid-admin-token")[0] == 401
    assert fetch(server.base + "/t/acme", cookie="cms_admin=9999999999.forged")[0] == 303
    assert fetch(server.base + "/login", form={"token": "wrong-token-123456789"})[0] == 401
    assert stored(server, "basket_total")[1] is SkillStatus.PENDING_REVIEW


def test_a_tenant_token_gets_403_on_other_tenants(server: Server) -> None:
    globex = server.base + "/t/globex"
    for path in ("", "/skills/payroll_sync", "/skills/no_such_skill"):
        status, _, body = fetch(globex + path, token=ALICE)
        assert status == 403 and "may not review tenant" in body
    cookie, csrf = login(server, ALICE)  # a valid session and CSRF token: still refused
    for action, form in [("approve", {}), ("reject", {"reason": "x"}), ("demote", {})]:
        status, _, _ = fetch(
            f"{globex}/skills/payroll_sync/{action}", cookie=cookie, form={"csrf": csrf, **form}
        )
        assert status == 403
        assert fetch(f"{globex}/skills/payroll_sync/{action}", token=ALICE, form=form)[0] == 403
    assert stored(server, "payroll_sync", "globex") == (
        TrustLevel.PROVISIONAL,
        SkillStatus.PENDING_REVIEW,
    )
    assert fetch(globex, token=ROOT)[0] == 200  # a "*" token may
    assert fetch(server.base + "/t/acme", token=ALICE)[0] == 200


def test_post_needs_csrf_and_same_origin(server: Server) -> None:
    cookie, csrf = login(server, ALICE)
    url = server.base + "/t/acme/skills/label_printer/reject"
    assert fetch(url, cookie=cookie, form={"reason": "no csrf"})[0] == 403
    assert fetch(url, cookie=cookie, form={"reason": "bad", "csrf": "0" * 64})[0] == 403
    assert fetch(url, cookie=cookie, form={"reason": "bad", "csrf": "é" * 64})[0] == 403
    other = fetch(
        url, cookie=cookie, form={"reason": "x", "csrf": csrf}, origin="https://evil.example"
    )
    assert other[0] == 403
    assert stored(server, "label_printer")[1] is SkillStatus.PENDING_REVIEW
    assert fetch(server.base + "/t/acme/skills/label_printer/approve", token=ALICE)[0] == 405


def test_untrusted_text_is_escaped(server: Server) -> None:
    for path in ("/t/acme", "/t/acme/skills/xss_probe"):
        status, headers, body = fetch(server.base + path, token=ALICE)
        assert status == 200
        assert "<script>alert" not in body and "<b>bold</b>" not in body
        assert "&lt;script&gt;alert(&#34;owned&#34;)&lt;/script&gt; &amp; &lt;b&gt;" in body
        assert "default-src 'none'" in headers["content-security-policy"]


# -- a real browser ---------------------------------------------------------------------
def test_review_in_a_real_browser(server: Server, tmp_path: Path) -> None:
    require_external(
        f"Chromium at {CHROMIUM}",
        Path(CHROMIUM).exists(),
        "`apt-get install chromium` (Debian's; Playwright drives it, it cannot download one)",
    )
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(server.base + "/")
        expect(page).to_have_url(re.compile(r"/login"))
        page.fill("#token", ALICE)
        page.get_by_role("button", name="Log in").click()
        page.get_by_role("link", name="acme").click()
        expect(page.locator("h1")).to_contain_text("acme")
        page.get_by_role("link", name="basket_total").first.click()
        expect(page.locator("#state")).to_contain_text("pending review")
        expect(page.locator("pre.diff")).to_contain_text("raise ValueError('empty basket')")
        expect(page.get_by_text("ValueError: empty basket (line 3)")).to_be_visible()
        page.get_by_role("button", name="Approve").click()

        expect(page.locator(".flash-ok")).to_contain_text("basket_total approved by alice")
        expect(page.locator("#state")).to_contain_text("trusted")
        expect(page.locator("#state")).to_contain_text("active")
        expect(page.locator("#history")).to_contain_text("approved")
        assert stored(server, "basket_total") == (TrustLevel.TRUSTED, SkillStatus.ACTIVE)

        page.get_by_role("link", name="acme").click()
        page.get_by_role("link", name="csv_export").first.click()
        page.fill("#reject-reason", "Exports customer e-mail addresses")
        page.get_by_role("button", name="Reject").click()
        expect(page.locator(".flash-ok")).to_contain_text("csv_export rejected by alice")
        expect(page.locator("#state")).to_contain_text("rejected")
        expect(page.locator("#history")).to_contain_text("Exports customer e-mail addresses")
        assert stored(server, "csv_export")[1] is SkillStatus.REJECTED
        [record] = SQLAuditLog(server.store).read(
            tenant="acme", action="review", target="csv_export", limit=1
        )
        assert (record.user, record.detail["reason"]) == (
            "alice",
            "Exports customer e-mail addresses",
        )

        page.goto(server.base + "/t/acme/skills/label_printer")  # a skill still waiting
        expect(page.get_by_role("button", name="Approve")).to_be_visible()
        shot = tmp_path / "admin-review.png"
        page.screenshot(path=str(shot), full_page=True)
        browser.close()
    assert shot.stat().st_size > 10_000  # a rendered page, not an empty canvas
    if os.environ.get("CODEMODE_SAVE_SCREENSHOTS") == "1":
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, SCREENSHOT)


# -- tokens and the serve command ----------------------------------------------------------
def test_tokens_are_parsed_and_checked(tmp_path: Path) -> None:
    token, admin = parse_token("tok:en-0123456789abcdef:alice:acme, globex")
    assert token == "tok:en-0123456789abcdef" and admin == AdminToken("alice", {"acme", "globex"})
    assert parse_token(f"{ROOT}:root:*")[1].allows("anyone")
    assert not admin.allows("initech")
    for bad in ("no-colons", "t:alice:", "t:alice:../etc"):
        with pytest.raises(ValueError):
            parse_token(bad)
    path = tmp_path / "tokens"
    path.write_text(f"# reviewers\n{ALICE}:alice:acme\n\n{ROOT}:root:*\n")
    assert load_tokens(path) == {
        ALICE: AdminToken("alice", {"acme"}),
        ROOT: AdminToken("root", "*"),
    }
    service = ReviewService("memory://")
    with pytest.raises(ValueError, match="16"):
        create_admin_app(service, tokens={"short": AdminToken("bob", {"acme"})})
    with pytest.raises(ValueError, match="at least one"):
        create_admin_app(service, tokens={})


def test_serve_command(server: Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``codemode-skills review serve`` in its own process answers like the app above."""
    assert main(["review", "serve", "--store", server.store]) == 2  # no token: usage
    assert "--token" in capsys.readouterr().err
    tokens = tmp_path / "tokens"
    tokens.write_text(f"{ALICE}:alice:acme\n")
    tokens.chmod(0o600)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "codemode_skills.cli.main",
            "review",
            "serve",
            "--store",
            server.store,
            "--token-file",
            str(tokens),
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base, lambda: proc.poll() is None)
        status, _, body = fetch(base + "/t/acme/skills/label_printer", token=ALICE)
        assert status == 200 and "label_printer" in body
        assert fetch(base + "/t/globex", token=ALICE)[0] == 403
    finally:
        proc.terminate()
        proc.communicate(timeout=60)
