"""``codemode-skills skills ...``: look after a skill store from the shell."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from ..errors import CodeModeError
from ..records import CONTENT_FIELDS, SkillStatus
from ..records.display import say
from ..storage import open_storage
from ..trust import TrustLevel


def add_parser(sub: Any) -> None:
    p = sub.add_parser("skills", help="list, inspect, search, export/import, retire skills")
    p.add_argument("--store", default="sqlite:///skills.db", help="storage URL")
    p.add_argument("--tenant", default="default")
    acts = p.add_subparsers(dest="action", required=True)
    acts.add_parser("list", help="every skill, one line each")
    for name in ("show", "history", "deprecate"):
        acts.add_parser(name).add_argument("name")
    acts.add_parser("search").add_argument("query")
    acts.add_parser("export").add_argument("file", nargs="?", default="-")
    imp = acts.add_parser("import", help="register skills from an export (validated)")
    imp.add_argument("file")
    rb = acts.add_parser("rollback")
    rb.add_argument("name")
    rb.add_argument("version", type=int)


def _line(skill: Any) -> str:
    s = skill.stats
    return (
        f"{skill.name:32} v{skill.version:<3} {skill.trust.value:11} {skill.status.value:14} "
        f"{s.executions:6} runs {s.success_rate:6.1%}  {skill.description[:60]}"
    )


async def _import(storage: Any, rows: list[dict[str, Any]]) -> int:
    from ..codemode import create_code_mode
    from ..skills.manager import SkillManager

    async with create_code_mode() as cm:
        manager = SkillManager(storage, cm)
        failed = 0
        for row in rows:
            spec = {k: row[k] for k in ("name", *CONTENT_FIELDS) if k in row}
            try:
                try:
                    current = storage.get(spec["name"])
                except KeyError:
                    await manager.register(spec, author="import")
                    say(f"imported {spec['name']}")
                    continue
                changes = {
                    k: v for k, v in spec.items() if k != "name" and getattr(current, k) != v
                }
                if changes:
                    await manager.update(spec["name"], changes, author="import", note="import")
                    say(f"updated {spec['name']}")
                else:
                    say(f"unchanged {spec['name']}")
            except CodeModeError as exc:
                failed += 1
                say(f"refused {spec.get('name')}: {exc}", err=True)
    return 1 if failed else 0


def run(args: argparse.Namespace) -> int:
    storage = open_storage(args.store, tenant=args.tenant)
    try:
        if args.action == "list":
            for skill in storage.list():
                say(_line(skill))
        elif args.action == "show":
            say(json.dumps(storage.get(args.name).model_dump(mode="json"), indent=2))
        elif args.action == "history":
            for v in storage.versions(args.name):
                author, note = v.author or "-", v.note or ""
                say(f"v{v.version}  {v.created_at:%Y-%m-%d %H:%M}  {author:12} {note}")
        elif args.action == "search":
            for hit in storage.search(args.query, limit=10, status=None):
                say(f"{hit.score:7.3f}  {_line(hit.skill)}")
        elif args.action == "export":
            out = sys.stdout if args.file == "-" else open(args.file, "w", encoding="utf-8")
            for skill in storage.list():
                out.write(
                    json.dumps({"name": skill.name, **skill.content(), "version": skill.version})
                    + "\n"
                )
            if out is not sys.stdout:
                out.close()
        elif args.action == "import":
            with open(args.file, encoding="utf-8") as f:
                rows = [json.loads(x) for x in f if x.strip()]
            return asyncio.run(_import(storage, rows))
        elif args.action == "deprecate":
            storage.set_state(args.name, status=SkillStatus.DEPRECATED)
            say(f"{args.name} deprecated (still callable by name, hidden from selection)")
        elif args.action == "rollback":
            skill = storage.rollback(
                args.name, args.version, author="cli", trust=TrustLevel.UNTRUSTED
            )
            say(f"{args.name}: v{skill.version} has the content of v{args.version}")
    except (CodeModeError, KeyError) as exc:
        say(f"error: {exc}", err=True)
        return 1
    return 0
