"""An agent on any OpenAI-compatible server (Ollama, vLLM, llama.cpp, OpenAI itself).

    OPENAI_BASE_URL=http://localhost:11434/v1 OPENAI_MODEL=qwen2.5-coder:7b \
        python examples/agent_openai_compatible.py

Without OPENAI_BASE_URL or OPENAI_API_KEY it runs the same loop with a scripted model.
"""

from __future__ import annotations

import asyncio
import os
import tempfile

from codemode_skills import Agent, code_mode_with_skills, tool
from codemode_skills.models import ModelResponse, OpenAIModel, ScriptedModel, ToolCall

STOCK = {"apple": 120, "pear": 0, "fig": 14}


@tool
def stock_level(item: str) -> int:
    """Units in stock for an item."""
    return STOCK.get(item, 0)


def model_from_env() -> object:
    base_url = os.environ.get("OPENAI_BASE_URL")
    if base_url or os.environ.get("OPENAI_API_KEY"):
        return OpenAIModel(os.environ.get("OPENAI_MODEL", "gpt-4o-mini"), base_url=base_url)
    print("(no OPENAI_BASE_URL / OPENAI_API_KEY: using a scripted model)")
    code = "return {i: await tools.stock_level(item=i) for i in ['apple', 'pear', 'fig']}"
    return ScriptedModel(
        [
            ModelResponse(
                tool_calls=[ToolCall(id="1", name="execute_python", arguments={"code": code})]
            ),
            "Pears are out of stock; apples (120) and figs (14) are available.",
        ]
    )


async def main() -> None:
    store = f"sqlite:///{tempfile.mkdtemp()}/skills.db"
    question = "Which of apple, pear and fig are out of stock?"
    session = await code_mode_with_skills(
        [stock_level], messages=question, storage=store, embedder=None
    )
    agent = Agent(model_from_env(), session.registry, system_prompt=session.system_prompt)
    result = await agent.run(question)
    print(result.text)
    print(f"({result.iterations} model turns, {result.usage.input_tokens} input tokens)")
    await session.close()


if __name__ == "__main__":
    asyncio.run(main())
