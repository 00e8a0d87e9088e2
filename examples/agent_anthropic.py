"""An agent on Claude through the Messages API.

    ANTHROPIC_API_KEY=... python examples/agent_anthropic.py

Without ANTHROPIC_API_KEY it runs the same loop with a scripted model.
"""

from __future__ import annotations

import asyncio
import os

from codemode_skills import Agent, create_code_mode, tool
from codemode_skills.models import AnthropicModel, ModelResponse, ScriptedModel, ToolCall


@tool
def exchange_rate(base: str, quote: str) -> float:
    """Exchange rate from one currency to another (a stand-in for a rates API)."""
    rates = {("EUR", "USD"): 1.08, ("USD", "EUR"): 0.93, ("EUR", "NOK"): 11.6}
    return rates.get((base.upper(), quote.upper()), 1.0)


async def main() -> None:
    if os.environ.get("ANTHROPIC_API_KEY"):
        model = AnthropicModel(os.environ.get("ANTHROPIC_MODEL", "claude-3-5-haiku-latest"))
    else:
        print("(no ANTHROPIC_API_KEY: using a scripted model)")
        code = (
            "rates = [await tools.exchange_rate(base='EUR', quote=q) for q in ['USD', 'NOK']]\n"
            "return {'USD': round(250 * rates[0], 2), 'NOK': round(250 * rates[1], 2)}"
        )
        model = ScriptedModel(
            [
                ModelResponse(
                    tool_calls=[ToolCall(id="t1", name="execute_python", arguments={"code": code})]
                ),
                "250 EUR is 270.0 USD or 2900.0 NOK.",
            ]
        )
    async with create_code_mode([exchange_rate]) as cm:
        agent = Agent(model, [cm.tool], system_prompt=cm.system_prompt, events=cm.events)
        result = await agent.run("How much is 250 EUR in USD and in NOK?")
        print(result.text)


if __name__ == "__main__":
    asyncio.run(main())
