"""``codemode-skills review ...``: the administrator's review of promoted skills.

``list``, ``show``, ``diff``, ``approve``, ``reject``, ``demote`` act on one tenant of one
store through ``ReviewService`` (the same checks as the web page); ``serve`` runs that web
page. Exit codes: 0 done, 1 refused (not found, not pending, store failure), 2 bad usage.

Everything printed passes through ``say`` (``display.visible``): skill text is a model's,
and a terminal obeys the control characters in it, so they are shown as escapes
(``\\x1b``, ``\\u202e``), and ``show`` / ``diff`` warn when there are any.

Decisions are audited. ``--audit URL`` names the log (``jsonl:///path``, a SQL URL,
``none``); without it a SQL store (sqlite, postgresql) logs to its own ``cms_audit``
table, so the history survives next to the skills, and other stores log nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import stat
from typing import Any

from ..admin.review import ReviewService
from ..admin.tokens import load_tokens, parse_token
from ..admin.views import QueueRow
from ..errors import CodeModeError, ReviewConflict, ReviewInputError, ReviewNotFound
from ..records.display import hidden_characters, hidden_warning, say
from ..trust import TrustLevel

OK, REFUSED, USAGE = 0, 1, 2


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "review",
        help="review promoted skills: list, show, diff, approve, "
        "reject, demote, or serve the review web page",
    )
    store = argparse.ArgumentParser(add_help=False)
    store.add_argument("--store", default="sqlite:///skills.db", help="storage URL")
    store.add_argument(
        "--audit",
        metavar="URL",
        help="audit log URL, or 'none' (default: a SQL store's own cms_audit "
        "table; no audit for other stores)",
    )
    one = argparse.ArgumentParser(add_help=False, parents=[store])
    one.add_argument("--tenant", default="default")
    named = argparse.ArgumentParser(add_help=False, parents=[one])
    named.add_argument("name", help="skill name")
    decider = argparse.ArgumentParser(add_help=False, parents=[named])
    decider.add_argument("--reviewer", required=True, help="your name, recorded with the decision")
    acts = p.add_subparsers(dest="action", required=True)
    acts.add_parser("list", parents=[one], help="skills waiting for review, then all skills")
    show = acts.add_parser("show", parents=[named], help="code, stats, last errors, history")
    show.add_argument("--errors", type=int, default=10, help="how many failed runs to show")
    diff = acts.add_parser("diff", parents=[named], help="unified diff between two versions")
    diff.add_argument("--from", dest="from_version", type=int, help="default: the previous one")
    diff.add_argument("--to", dest="to_version", type=int, help="default: the current version")
    acts.add_parser("approve", parents=[decider], help="promote a pending skill to trusted")
    reject = acts.add_parser("reject", parents=[decider], help="refuse a skill for good")
    reject.add_argument("--reason", required=True, help="why (required)")
    demote = acts.add_parser("demote", parents=[decider], help="lower a skill's trust")
    demote.add_argument("--reason")
    demote.add_argument(
        "--to",
        choices=[t.value for t in TrustLevel],
        help="target level (default: one below the current)",
    )
    serve = acts.add_parser("serve", parents=[store], help="run the review web page")
    serve.add_argument(
        "--token",
        action="append",
        default=[],
        metavar="TOKEN:NAME:TENANTS",
        help="an admin token; tenants comma-separated or '*' (repeatable; "
        "prefer --token-file: arguments show in the process list)",
    )
    serve.add_argument("--token-file", metavar="PATH", help="one TOKEN:NAME:TENANTS per line")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument(
        "--secure-cookies",
        action="store_true",
        help="mark the session cookie Secure (serve behind HTTPS)",
    )


def audit_url(store: str, audit: str | None) -> str | None:
    """The audit log for ``store``: ``audit`` if given ('none' turns it off), else the
    SQL store's own database, else none."""
    if audit is not None:
        return None if audit.strip().lower() in ("", "none") else audit
    scheme = store.split("://", 1)[0].lower()
    if scheme.startswith("postgres") and not scheme.startswith("postgresql"):
        return "postgresql" + store[len("postgres") :]
    return store if scheme.startswith(("sqlite", "postgresql")) else None


def _row(r: QueueRow) -> str:
    rate = f"{r.success_rate:6.1%}" if r.runs else "     -"
    return (
        f"  {r.name:32} v{r.version:<3} {r.trust.value:11} {r.status.value:14} "
        f"{r.runs:5} runs {rate} {r.users:3} users  {r.description[:60]}"
    )


def _when(value: Any) -> str:
    return "-" if value is None else f"{value:%Y-%m-%d %H:%M}"


async def _show(service: ReviewService, args: argparse.Namespace) -> None:
    d = await service.detail(args.tenant, args.name, errors=args.errors)
    s, st = d.skill, d.skill.stats
    say(f"{s.name}  v{s.version}  {s.trust.value}  {s.status.value}")
    if d.hidden:
        say(hidden_warning(d.hidden))
        for where in d.hidden:
            say(f"  {where}")
    say(s.description)
    tags, author = ", ".join(s.tags) or "-", s.author or "-"
    say(f"tags: {tags}   author: {author}   updated: {_when(s.updated_at)}")
    ev = st.evidence
    recent = ev.recent_success_rate
    average = f"{d.average_ms:.1f} ms" if d.average_ms is not None else "-"
    say(
        f"evidence: {ev.runs} independent runs ({ev.success_rate:.1%} success, last 20: "
        f"{'-' if recent is None else f'{recent:.0%}'}) from {len(ev.requests)} requests, "
        f"{len(ev.users)} users besides the author"
    )
    say(
        f"calls: {st.executions} ({st.failures} failed), avg {average}, "
        f"last used {_when(st.last_used_at)}"
    )
    say(f"\n--- code (v{s.version}) ---\n{s.code}\n---")
    say(f"\nlast errors ({len(d.errors)}):")
    for e in d.errors:
        say(f"  {_when(e.at)}  v{e.version}  {e.error}" + (f"  [{e.caller}]" if e.caller else ""))
    if not d.audit_enabled:
        say("\nreview history: no audit log configured")
        return
    say(f"\nreview history ({len(d.history)}):")
    for h in d.history:
        reason = f"  reason: {h.reason}" if h.reason else ""
        say(f"  {_when(h.at)}  {h.decision:10} by {h.reviewer or '-':12} v{h.version}{reason}")


async def _act(service: ReviewService, args: argparse.Namespace) -> None:
    action, tenant = args.action, args.tenant
    if action == "list":
        queue = await service.queue(tenant)
        say(f"waiting for review ({len(queue.pending)}):")
        for row in queue.pending:
            say(_row(row))
        say(f"all skills ({len(queue.skills)}):")
        for row in queue.skills:
            say(_row(row))
    elif action == "show":
        await _show(service, args)
    elif action == "diff":
        diff = await service.diff(tenant, args.name, args.from_version, args.to_version)
        if diff.from_version is None:
            say(f"v{diff.to_version} is the first version: nothing to compare with")
        else:
            hidden = [str(h) for h in hidden_characters(diff.text, "diff")]
            if hidden:  # on stderr: the diff itself stays a diff on stdout
                say(hidden_warning(hidden) + "\n  " + "\n  ".join(hidden), err=True)
            say(diff.text or f"v{diff.from_version} and v{diff.to_version} have the same content")
    else:
        if action == "approve":
            skill = await service.approve(tenant, args.name, args.reviewer)
        elif action == "reject":
            skill = await service.reject(tenant, args.name, args.reviewer, args.reason)
        else:
            skill = await service.demote(tenant, args.name, args.reviewer, args.reason, args.to)
        done = {"approve": "approved", "reject": "rejected", "demote": "demoted"}[action]
        state = f"{skill.trust.value}, {skill.status.value}"
        say(f"{skill.name}: {done} by {args.reviewer}; now {state}")


async def _run(args: argparse.Namespace, audit: str | None) -> int:
    try:
        service = ReviewService(args.store, audit=audit)
    except (ValueError, CodeModeError) as exc:
        say(f"error: {exc}", err=True)
        return USAGE
    async with service:
        try:
            await _act(service, args)
        except ReviewInputError as exc:
            say(f"error: {exc}", err=True)
            return USAGE
        except (ReviewNotFound, ReviewConflict) as exc:
            say(f"refused: {exc}", err=True)
            return REFUSED
        except CodeModeError as exc:  # the store failed or refused
            say(f"error: {exc}", err=True)
            return REFUSED
    return OK


def _tokens(args: argparse.Namespace) -> dict[str, Any]:
    tokens: dict[str, Any] = {}
    if args.token_file:
        mode = os.stat(args.token_file).st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            say(f"warning: {args.token_file} is readable by others; chmod 600 it", err=True)
        tokens.update(load_tokens(args.token_file))
    tokens.update(parse_token(spec) for spec in args.token)
    if not tokens:
        raise ValueError("serve needs --token TOKEN:NAME:TENANTS or --token-file PATH")
    return tokens


def _serve(args: argparse.Namespace, audit: str | None) -> int:
    try:
        tokens = _tokens(args)
        import uvicorn

        from ..admin.web import create_admin_app
    except ImportError as exc:
        say(f"error: the web page needs: pip install 'codemode-skills[admin]' ({exc})", err=True)
        return USAGE
    except (ValueError, OSError, CodeModeError) as exc:
        say(f"error: {exc}", err=True)
        return USAGE
    service = ReviewService(args.store, audit=audit)
    try:
        app = create_admin_app(service, tokens=tokens, secure_cookies=args.secure_cookies)
    except ValueError as exc:
        say(f"error: {exc}", err=True)
        return USAGE
    where, audited = f"http://{args.host}:{args.port}/", "on" if audit else "off"
    say(f"review page: {where}  ({len(tokens)} token(s), audit {audited})", err=True)
    try:
        uvicorn.run(app, host=args.host, port=args.port, log_level="info")
    finally:
        asyncio.run(service.close())
    return OK


def run(args: argparse.Namespace) -> int:
    audit = audit_url(args.store, args.audit)
    if args.action == "serve":
        return _serve(args, audit)
    return asyncio.run(_run(args, audit))
