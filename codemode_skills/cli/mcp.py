"""``codemode-skills mcp serve`` (stdio or ``--http HOST:PORT``) and ``mcp token``.

``serve`` gives an MCP client the sandbox and the skill library of one store: over stdio
the tenant, user and scopes come from the command line; over HTTP from each request's
bearer token, a scoped token signed with the key in ``--token-key-file`` (or
``CODEMODE_SKILLS_TOKEN_KEY``) that ``mcp token`` prints. Logs go to stderr: on stdio,
stdout carries the protocol and nothing else.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import os
import sys
from pathlib import Path
from typing import Any

from ..errors import CodeModeError

KEY_ENV = "CODEMODE_SKILLS_TOKEN_KEY"
_TRUST = ("default", "relaxed", "always")


def add_parser(sub: Any) -> None:
    p = sub.add_parser("mcp", help="serve the sandbox and the skills to MCP clients")
    acts = p.add_subparsers(dest="action", required=True)
    serve = acts.add_parser("serve", help="an MCP server over stdio (default) or --http")
    serve.add_argument("--http", metavar="HOST:PORT", help="serve streamable HTTP at /mcp")
    serve.add_argument("--storage", default="sqlite:///skills.db", help="storage URL")
    serve.add_argument("--tenant", default="default", help="stdio: the tenant served")
    serve.add_argument("--user", help="stdio: the user requests act for")
    serve.add_argument(
        "--scopes", help="stdio: space-separated scopes granted (default: every MCP scope)"
    )
    serve.add_argument("--mcp-config", metavar="FILE", help='an {"mcpServers": ...} file to proxy')
    serve.add_argument(
        "--tools",
        action="append",
        default=[],
        metavar="MODULE[:NAME]",
        help="host tools: a Tool or a list of them, or every Tool of the module",
    )
    serve.add_argument("--trust", choices=_TRUST, default="default", help="trust strategy")
    serve.add_argument("--require-review", action="store_true", help="trusted needs approval")
    serve.add_argument("--audit", metavar="URL", help="audit log (jsonl path, sqlite:///...)")
    serve.add_argument("--timeout", type=float, default=30.0, help="seconds per execution")
    serve.add_argument("--memory-mb", type=int, default=256)
    _key_arguments(serve)
    serve.add_argument("--revoked", metavar="FILE", help="HTTP: revoked token ids, one a line")
    token = acts.add_parser("token", help="print a bearer token for `mcp serve --http`")
    token.add_argument("--tenant", required=True)
    token.add_argument("--user")
    token.add_argument("--scopes", help="space-separated (default: every MCP scope)")
    token.add_argument("--ttl", type=float, default=3600.0, help="lifetime in seconds")
    _key_arguments(token)


def _key_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--token-key-file", metavar="FILE", help=f"the signing key (or ${KEY_ENV})")


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
    try:
        if args.action == "token":
            return _token(args)
        return asyncio.run(_serve(args))
    except (CodeModeError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0


def _signer(args: argparse.Namespace, *, required: bool) -> Any:
    from ..security.tokens import TokenSigner

    key: str | bytes | None = os.environ.get(KEY_ENV)
    if args.token_key_file:
        key = Path(args.token_key_file).read_bytes().strip()
    if not key:
        if required:
            raise ValueError(f"a token key is needed: --token-key-file FILE or ${KEY_ENV}")
        return None
    return TokenSigner(key)


def _scopes(text: str | None) -> frozenset[str]:
    from ..mcp.server.scopes import ALL_SCOPES

    return ALL_SCOPES if text is None else frozenset(text.split())


def _token(args: argparse.Namespace) -> int:
    from ..security.context import ExecutionContext

    context = ExecutionContext(tenant=args.tenant, user=args.user, scopes=_scopes(args.scopes))
    print(_signer(args, required=True).issue(context, ttl_s=args.ttl))
    return 0


def _host_tools(specs: list[str]) -> list[Any]:
    """``module:name`` (a Tool or an iterable of Tools) or ``module`` (its Tools)."""
    from ..tools.tool import Tool

    found: list[Tool] = []
    for spec in specs:
        module_name, _, attr = spec.partition(":")
        module = importlib.import_module(module_name)
        if not attr:
            found.extend(v for v in vars(module).values() if isinstance(v, Tool))
            continue
        value = getattr(module, attr)
        items = [value] if isinstance(value, Tool) else list(value)
        if not all(isinstance(t, Tool) for t in items):
            raise ValueError(f"--tools {spec}: not a Tool or a list of Tools")
        found.extend(items)
    return found


def _trust(args: argparse.Namespace) -> tuple[Any, Any]:
    from ..trust import AlwaysTrustedStrategy, RelaxedTrustStrategy, TrustPolicy

    strategy = {"relaxed": RelaxedTrustStrategy, "always": AlwaysTrustedStrategy}.get(args.trust)
    return (strategy() if strategy else None), TrustPolicy(require_review=args.require_review)


def _address(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise ValueError(f"--http takes HOST:PORT, e.g. 127.0.0.1:8765, not {text!r}")
    return host.strip("[]"), int(port)


async def _serve(args: argparse.Namespace) -> int:
    from ..codemode import create_code_mode
    from ..mcp import load_mcp_config
    from ..mcp.server import RevocationList, ScopedTokenVerifier, SkillsMcpServer
    from ..mcp.server.transports import serve_http, serve_stdio
    from ..security.context import ExecutionContext
    from ..storage import open_audit_log, open_storage

    address = _address(args.http) if args.http else None
    signer = _signer(args, required=address is not None)
    audit = open_audit_log(args.audit) if args.audit else None
    servers = load_mcp_config(args.mcp_config) if args.mcp_config else None
    strategy, policy = _trust(args)
    code_mode = create_code_mode(
        _host_tools(args.tools),
        timeout_s=args.timeout,
        memory_mb=args.memory_mb,
        audit=audit,
        mcp_servers=servers or None,
    )
    storage = await asyncio.to_thread(open_storage, args.storage, tenant=args.tenant)
    local = None
    if address is None:
        local = ExecutionContext(tenant=args.tenant, user=args.user, scopes=_scopes(args.scopes))
    server = SkillsMcpServer(
        code_mode, storage, local=local, trust_strategy=strategy, policy=policy
    )
    if address is None:
        await serve_stdio(server)
        return 0
    revoked = RevocationList(args.revoked) if args.revoked else None
    verifier = ScopedTokenVerifier(signer, revoked=revoked, auditor=code_mode.auditor)
    print(f"serving MCP at http://{address[0]}:{address[1]}/mcp", file=sys.stderr, flush=True)
    await serve_http(server, verifier, *address)
    return 0
