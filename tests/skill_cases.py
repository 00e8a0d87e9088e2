"""What the skill tests share: a priced tool, the basket skill, a manager over a code mode.

Used by ``test_skills.py`` (registration, calls, nesting), ``test_skills_trust.py`` and
``test_skills_toolset.py``; the ``subprocess_driver`` fixture is in ``conftest.py``.
"""

from __future__ import annotations

from typing import Any

import pytest

from codemode_skills import create_code_mode, tool
from codemode_skills.events import Event
from codemode_skills.skills import SkillManager
from codemode_skills.storage import MemorySkillStorage


@tool
async def get_price(item: str) -> float:
    """Price of one item."""
    prices = {"apple": 1.5, "pear": 2.0}
    if item not in prices:
        raise KeyError(item)
    return prices[item]


BASKET = {
    "name": "basket_total",
    "description": "Total price of a basket of items",
    "code": (
        "import asyncio\n"
        "prices = await asyncio.gather(*(tools.get_price(item=i) for i in input['items']))\n"
        "return sum(prices)"
    ),
    "input_schema": {
        "type": "object",
        "properties": {"items": {"type": "array", "items": {"type": "string"}}},
        "required": ["items"],
    },
    "output_schema": {"type": "number"},
    "tags": ["shopping"],
}


@pytest.fixture
async def cm(subprocess_driver: Any) -> Any:
    mode = create_code_mode([get_price], driver=subprocess_driver, timeout_s=10)
    yield mode
    mode.events.close()


@pytest.fixture
def events(cm: Any) -> list[Event]:
    seen: list[Event] = []
    cm.events.subscribe(seen.append)
    return seen


def make(cm: Any, storage: Any = None, **options: Any) -> SkillManager:
    return SkillManager(storage or MemorySkillStorage("acme"), cm, **options)


def types(events: list[Event], prefix: str = "") -> list[str]:
    return [e.type for e in events if e.type.startswith(prefix)]
