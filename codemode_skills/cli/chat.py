"""``codemode-skills chat`` and ``codemode-skills run "task"``: a real model, code mode
and a persistent skill store, from the shell.

The model comes from the environment: ``--base-url`` (any OpenAI-compatible server, e.g.
Ollama) or ``OPENAI_API_KEY``, else ``ANTHROPIC_API_KEY``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable, Iterator
from typing import Any

from ..agent import Agent
from ..codemode import create_code_mode
from ..events import Event
from ..models.base import Message, Model, ModelError
from ..records.display import say
from ..session import code_mode_with_skills
from ..storage import open_storage


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", default="sqlite:///skills.db", help="skill storage URL")
    parser.add_argument("--tenant", default="default")
    parser.add_argument("--model", help="model name (default: gpt-4o-mini / claude-3-5-haiku)")
    parser.add_argument("--base-url", help="an OpenAI-compatible server, e.g. Ollama's /v1")
    parser.add_argument(
        "--local-model",
        metavar="PATH",
        help="a GGUF file run in-process (extra 'local': llama-cpp-python)",
    )
    parser.add_argument(
        "--no-selection",
        action="store_true",
        help="skip embedding-based skill selection (all skills stay callable)",
    )
    parser.add_argument(
        "--demo-tools", action="store_true", help="give the model the demo's weather tools"
    )
    parser.add_argument("--max-iterations", type=int, default=10)


def model_from(args: argparse.Namespace) -> Model:
    if getattr(args, "local_model", None):
        from ..models.llamacpp import LlamaCppModel

        return LlamaCppModel(args.local_model)
    if args.base_url or os.environ.get("OPENAI_API_KEY"):
        from ..models.openai import OpenAIModel

        name = args.model or os.environ.get("OPENAI_MODEL", "gpt-4o-mini")
        return OpenAIModel(name, base_url=args.base_url)
    if os.environ.get("ANTHROPIC_API_KEY"):
        from ..models.anthropic import AnthropicModel

        return AnthropicModel(args.model or "claude-3-5-haiku-latest")
    raise ModelError(
        "no model: set OPENAI_API_KEY or ANTHROPIC_API_KEY, or pass --base-url or --local-model"
    )


def _show(event: Event) -> None:
    d = event.data
    if event.type == "agent:tool_call":
        say(f"  → {d['name']}", err=True)
    elif event.type == "code_mode:console":
        say(f"  | {d['text'].rstrip()}", err=True)
    elif event.type in ("skill:registered", "skill:trust_changed"):
        say(f"  ★ {event.type}: {d.get('name')}", err=True)


async def converse(args: argparse.Namespace, turns: Iterable[str]) -> int:
    """Answer ``turns`` as they come, keeping the conversation; prints each answer."""
    try:
        model = model_from(args)
    except ModelError as exc:
        say(f"error: {exc}", err=True)
        return 2
    tools: list[Any] = []
    if args.demo_tools:
        from .weather import get_weather, list_cities

        tools = [get_weather, list_cities]
    storage = open_storage(args.store, tenant=args.tenant)
    history: list[Message] = []
    async with create_code_mode(tools) as cm:
        cm.events.subscribe(_show)
        selector = None
        if not args.no_selection:
            from ..selection import SentenceTransformerEmbedder, SkillSelector

            selector = SkillSelector(storage, SentenceTransformerEmbedder())
        for text in turns:
            history.append(Message(role="user", content=text))
            session = await code_mode_with_skills(
                code_mode=cm,
                messages=history,
                storage=storage,
                selector=selector,
                embedder=None,  # no selector: no selection (the selector embeds its own)
            )
            if session.selected:
                names = ", ".join(s.name for s in session.selected)
                say(f"  (skills: {names})", err=True)
            agent = Agent(
                model,
                session.registry,
                system_prompt=session.system_prompt,
                max_iterations=args.max_iterations,
                events=cm.events,
            )
            try:
                result = await agent.run(history)
            except ModelError as exc:
                say(f"error: {exc}", err=True)
                return 1
            history = result.messages
            say(result.text)
    return 0


def read_turns() -> Iterator[str]:
    """Lines from stdin, one at a time (with a prompt on a terminal)."""
    while True:
        if sys.stdin.isatty():
            print("you> ", end="", file=sys.stderr, flush=True)
        line = sys.stdin.readline()
        if not line:
            return
        if line.strip():
            yield line.strip()
