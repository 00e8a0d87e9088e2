"""Tools: schemas from types, validation on both sides of the call, definitions."""

from __future__ import annotations

import asyncio
import enum
import threading
from typing import Annotated, Literal

import pytest
from pydantic import BaseModel, Field

from codemode_skills import Tool, ToolDefinitionError, ToolError, ToolValidationError, tool
from codemode_skills.tools.docstrings import parse_docstring


class Unit(str, enum.Enum):
    C = "c"
    F = "f"


class Forecast(BaseModel):
    day: str
    high: float


class Weather(BaseModel):
    city: str
    temp: float
    forecast: list[Forecast] = []


@tool
async def get_weather(
    city: str, units: Unit = Unit.C, days: Annotated[int, Field(ge=0, le=7)] = 0
) -> Weather:
    """Current weather for a city.

    Args:
        city: City name, e.g. "Oslo".
        units: Unit system.
        days: How many forecast days,
            at most seven.
    """
    return Weather(city=city, temp=1.5, forecast=[Forecast(day="mon", high=3)] * days)


def test_schema_from_signature() -> None:
    schema = get_weather.input_schema
    assert schema["required"] == ["city"]
    assert schema["properties"]["city"]["description"] == 'City name, e.g. "Oslo".'
    assert schema["properties"]["days"]["maximum"] == 7
    assert schema["properties"]["days"]["description"] == "How many forecast days, at most seven."
    assert schema["additionalProperties"] is False
    assert get_weather.description == "Current weather for a city."
    assert get_weather.output_schema is not None
    assert "Forecast" in str(get_weather.output_schema)


async def test_valid_call_returns_json() -> None:
    out = await get_weather.invoke({"city": "Oslo", "units": "f", "days": 2})
    assert out == {
        "city": "Oslo",
        "temp": 1.5,
        "forecast": [{"day": "mon", "high": 3.0}, {"day": "mon", "high": 3.0}],
    }


@pytest.mark.parametrize(
    "args, fragment",
    [
        ({}, "city: Field required"),
        ({"city": "Oslo", "units": "k"}, "units:"),
        ({"city": "Oslo", "days": 9}, "days: Input should be less than or equal to 7"),
        ({"city": "Oslo", "nope": 1}, "nope: Extra inputs are not permitted"),
    ],
)
async def test_invalid_input_is_refused_before_the_call(args: dict, fragment: str) -> None:
    with pytest.raises(ToolValidationError, match=fragment):
        await get_weather.invoke(args)


async def test_output_is_validated() -> None:
    @tool
    def liar() -> Weather:
        """Returns the wrong shape."""
        return {"city": "x"}  # type: ignore[return-value]

    with pytest.raises(ToolValidationError, match=r"invalid result.*temp"):
        await liar.invoke({})


async def test_exceptions_become_tool_errors() -> None:
    @tool
    def broken(x: int) -> int:
        """Fails."""
        raise KeyError("missing thing")

    with pytest.raises(ToolError, match="broken\\(\\) failed: KeyError"):
        await broken.invoke({"x": 1})


async def test_tool_from_models() -> None:
    class In(BaseModel):
        q: str = Field(description="query")
        mode: Literal["a", "b"] = "a"

    class Out(BaseModel):
        hits: list[str]

    async def search(args: In) -> Out:
        return Out(hits=[args.q * 2, args.mode])

    t = Tool(
        name="search", description="Search things.", input_model=In, output_model=Out, fn=search
    )
    assert await t.invoke({"q": "x"}) == {"hits": ["xx", "a"]}
    assert t.input_schema["properties"]["q"]["description"] == "query"


async def test_blocking_tool_runs_off_the_event_loop() -> None:
    main_thread = threading.get_ident()

    @tool(blocking=True)
    def where() -> bool:
        """Reports whether it ran on the loop's thread."""
        return threading.get_ident() == main_thread

    assert await where.invoke({}) is False
    results = await asyncio.gather(*(where.invoke({}) for _ in range(3)))
    assert results == [False, False, False]


@pytest.mark.parametrize("name", ["1abc", "with space", "class", "_private", "a" * 65, ""])
def test_bad_tool_names(name: str) -> None:
    with pytest.raises(ToolDefinitionError):
        tool(name=name)(lambda: None)


def test_untyped_parameter_is_refused() -> None:
    def f(x):  # type: ignore[no-untyped-def]
        return x

    with pytest.raises(ToolDefinitionError, match="needs a type annotation"):
        tool(f)


def test_varargs_are_refused() -> None:
    def f(*xs: int) -> int:
        return 0

    with pytest.raises(ToolDefinitionError, match=r"\*args"):
        tool(f)


def test_docstring_styles() -> None:
    summary, params = parse_docstring(
        """Do a thing.

        More detail here.

        :param a: the a
        :param int b: the b
        :returns: nothing
        """
    )
    assert summary == "Do a thing.\n\nMore detail here."
    assert params == {"a": "the a", "b": "the b"}


async def test_schema_tools_validate_off_the_event_loop() -> None:
    """A skill exposed as a tool carries a model-written schema: checking a large
    argument against it runs on the schema pool while the loop keeps serving others."""
    import time

    async def echo(args: dict) -> int:
        return len(args["items"])

    schema = {
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": {"type": "string", "pattern": "^(a|b)*c$"}}
        },
    }
    big = Tool.from_schema(name="count", description="Count.", fn=echo, input_schema=schema)
    items = ["ab" * 500 + "c"] * 20_000
    gaps: list[float] = []
    stop = False

    async def ticker() -> None:
        last = time.monotonic()
        while not stop:
            await asyncio.sleep(0.005)
            now = time.monotonic()
            gaps.append(now - last)
            last = now

    tick = asyncio.ensure_future(ticker())
    started = time.monotonic()
    assert await big.invoke({"items": items}) == 20_000
    took = time.monotonic() - started
    stop = True
    await tick
    assert took > 0.05, "the check was too quick to tell anything"
    assert max(gaps) < took / 2, (max(gaps), took)
