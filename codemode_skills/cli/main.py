"""``codemode-skills``: demo, chat / run a task with a model, exec a program file,
isolation report, manage skills, review promoted skills."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from ..codemode import create_code_mode
from ..sandbox.inprocess import InProcessDriver
from ..sandbox.process.driver import SubprocessDriver


async def _isolation(strict: bool) -> int:
    driver = SubprocessDriver(strict=strict)
    try:
        await driver.start()
        print(json.dumps(driver.isolation, indent=2))
        return 0
    finally:
        await driver.close()


async def _run(source: str, timeout: float, memory: int, inprocess: bool) -> int:
    driver = InProcessDriver() if inprocess else SubprocessDriver()
    async with create_code_mode([], driver=driver, timeout_s=timeout, memory_mb=memory) as cm:
        result = await cm.execute(source)
    print(json.dumps(result.for_model(), indent=2))
    return 0 if result.success else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="codemode-skills", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="run the offline demo in the real sandbox")
    demo.add_argument("--store", help="storage URL for the skills (default: a temporary SQLite)")
    demo.add_argument("--tenant", default="demo")
    demo.add_argument(
        "--local-model",
        metavar="PATH",
        help="let a local GGUF model (extra 'local') play the assistant",
    )
    iso = sub.add_parser("isolation", help="print which isolation layers are active")
    iso.add_argument("--strict", action="store_true", help="fail unless every layer is active")
    run = sub.add_parser("exec", help="run a program file (or - for stdin) in the sandbox")
    run.add_argument("file")
    run.add_argument("--timeout", type=float, default=30.0)
    run.add_argument("--memory-mb", type=int, default=256)
    run.add_argument("--inprocess", action="store_true", help="use the weaker in-process driver")
    from . import chat

    chat.add_arguments(sub.add_parser("chat", help="talk to a model that writes code"))
    task = sub.add_parser("run", help='one task for a model: run "what is ..."')
    task.add_argument("task")
    chat.add_arguments(task)
    from . import skills_cmd

    skills_cmd.add_parser(sub)
    from . import review_cmd

    review_cmd.add_parser(sub)
    from . import mcp as mcp_cmd

    mcp_cmd.add_parser(sub)
    args = parser.parse_args(argv)
    if args.command == "mcp":
        return mcp_cmd.run(args)
    if args.command == "skills":
        return skills_cmd.run(args)
    if args.command == "review":
        return review_cmd.run(args)
    if args.command == "demo":
        from .demo import run_demo

        return asyncio.run(run_demo(args.store, args.tenant, args.local_model))
    if args.command == "isolation":
        return asyncio.run(_isolation(args.strict))
    if args.command == "chat":
        return asyncio.run(chat.converse(args, chat.read_turns()))
    if args.command == "run":
        return asyncio.run(chat.converse(args, [args.task]))
    source = sys.stdin.read() if args.file == "-" else open(args.file, encoding="utf-8").read()
    return asyncio.run(_run(source, args.timeout, args.memory_mb, args.inprocess))


if __name__ == "__main__":
    sys.exit(main())
