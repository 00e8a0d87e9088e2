"""Quickstart: two typed tools, one program that fans out calls, only the answer returns."""

import asyncio

from pydantic import BaseModel

from codemode_skills import create_code_mode, tool

PRICES = {"apple": 0.5, "pear": 0.8, "plum": 0.3}


class Quote(BaseModel):
    item: str
    unit_price: float


@tool
async def get_quote(item: str) -> Quote:
    """Unit price of an item, in euros."""
    await asyncio.sleep(0.02)  # a remote pricing service
    return Quote(item=item, unit_price=PRICES[item])


@tool
def list_items() -> list[str]:
    """Every item on sale."""
    return sorted(PRICES)


PROGRAM = """
import asyncio
items = await tools.list_items()
quotes = await asyncio.gather(*(tools.get_quote(item=i) for i in items))
basket = {q["item"]: round(q["unit_price"] * 12, 2) for q in quotes}
print("priced", len(basket), "items")
return {"cheapest": min(basket, key=basket.get), "total_for_a_dozen_each": sum(basket.values())}
"""


async def main() -> None:
    async with create_code_mode([get_quote, list_items]) as cm:
        result = await cm.execute(PROGRAM)
        print(result.for_model())


if __name__ == "__main__":
    asyncio.run(main())
