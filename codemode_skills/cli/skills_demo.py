"""The skills part of the offline demo: a scripted assistant learns and reuses a skill.

Nothing here needs a key or the network: the "model" is a ``ScriptedModel`` that makes
the decisions a real model would, everything else is real (the sandbox, SQLite, the
bundled embedding model, selection, trust).
"""

from __future__ import annotations

import json
import sys
from typing import Any

from ..agent import Agent
from ..events import Event
from ..models.base import ModelResponse, ToolCall, Usage
from ..models.scripted import ScriptedModel
from ..records.display import say
from ..session import code_mode_with_skills
from ..storage.base import SkillStorage
from ..trust import RelaxedTrustStrategy
from .weather import PROGRAM

SKILL = {
    "name": "warmest_dry_city",
    "description": "Find the warmest city without rain or sleet among the known cities",
    "code": PROGRAM,
    "input_schema": {"type": "object", "properties": {}},
    "output_schema": {
        "type": "object",
        "properties": {"city": {"type": "string"}, "temp_c": {"type": "number"}},
    },
    "tags": ["weather", "travel"],
    "test_input": {},
}

REQUESTS = [
    "Where is it warmest without rain right now?",
    "I want to go somewhere warm and dry today. Which city?",
    "Quick check: warmest dry city?",
    "Again please: the warmest city that is dry?",
]


def _call(tool_name: str, **arguments: Any) -> ModelResponse:
    call = ToolCall(id=f"call_{tool_name}", name=tool_name, arguments=arguments)
    return ModelResponse(tool_calls=[call], usage=Usage(input_tokens=900, output_tokens=120))


def _say(text: str) -> ModelResponse:
    return ModelResponse(text=text, usage=Usage(input_tokens=1100, output_tokens=30))


def _show(event: Event) -> None:
    d = event.data
    if event.type == "agent:tool_call":
        args = json.dumps(d["arguments"])
        say(f"   → {d['name']}({args[:70] + '…' if len(args) > 70 else args})")
    elif event.type == "agent:tool_result":
        text = d["content"]
        say(f"   ← {text[:110] + '…' if len(text) > 110 else text}")
    elif event.type == "skill:registered":
        say(f"   ★ skill saved: {d['name']} v{d['version']} ({d['trust']})")
    elif event.type == "skill:trust_changed":
        say(f"   ↑ trust of {d['name']}: {d['old']} → {d['new']} ({d['reason']})")
    elif event.type == "agent:model_response" and d["text"]:
        say(f"   assistant: {d['text']}")


async def run_skills_demo(
    tools: list[Any], storage: SkillStorage, driver: Any, local_model: str | None = None
) -> int:
    """``local_model``: a GGUF path; the local model then plays the assistant (its choices
    are its own, so the run shows what it does rather than a fixed story)."""
    real = None
    if local_model:
        from ..models.llamacpp import LlamaCppModel

        print("(loading the local model…)", file=sys.stderr, flush=True)
        real = LlamaCppModel(local_model)
    print("\n== skills: learn once, reuse ==")
    print("(loading the bundled embedding model for selection…)", file=sys.stderr, flush=True)
    from ..selection import SentenceTransformerEmbedder, SkillSelector

    embedder = SentenceTransformerEmbedder()
    selector = SkillSelector(storage, embedder, max_skills=3)
    strategy = RelaxedTrustStrategy()  # provisional after 3 good runs
    for i, request in enumerate(REQUESTS):
        session = await code_mode_with_skills(
            tools,
            messages=request,
            storage=storage,
            driver=driver,
            selector=selector,
            trust_strategy=strategy,
        )
        picked = [s.name for s in session.selected]
        say(f"\n[{i + 1}] user: {request}")
        say(f"   selected skills: {', '.join(picked) if picked else '(none yet)'}")
        if "warmest_dry_city" in picked:
            script = [_call("warmest_dry_city"), _say("Cairo is the warmest dry city (27 °C).")]
        else:
            script = [
                _call("execute_python", code=PROGRAM),
                _call("register_skill", **SKILL),
                _say("Cairo, at 27 °C. I saved this as a skill for next time."),
            ]
        agent = Agent(
            real or ScriptedModel(script),
            session.registry,
            system_prompt=session.system_prompt,
            events=session.code_mode.events,
        )
        async for event in agent.stream(request):
            _show(event)
        await session.close()
    if real is not None:
        for skill in storage.list():
            print(
                f"\nstore: {skill.name} v{skill.version}, {skill.stats.executions} runs, "
                f"trust {skill.trust.value}"
            )
        return 0
    skill = storage.get("warmest_dry_city")
    s = skill.stats
    print(
        f"\nstore: {skill.name} v{skill.version}, {s.executions} runs, "
        f"{s.success_rate:.0%} success, trust {skill.trust.value}"
    )
    return 0 if skill.trust.value == "provisional" and s.executions == 3 else 1
