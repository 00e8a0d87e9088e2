"""Tests for the Python stub renderer that teaches the model how to call host tools."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Literal

import pytest
from pydantic import BaseModel, Field

from codemode_skills.tools.stubs import StubContext, render_stubs

from .stub_cases import Node, ann, stub, valid

# --- realistic pydantic models ---------------------------------------------------------


class Weather(BaseModel):
    """Current weather."""

    temp_c: float = Field(description="Temperature in Celsius")
    conditions: str
    alerts: list[str] | None = None


class WeatherArgs(BaseModel):
    city: str = Field(description='City name, e.g. "Oslo".')
    units: Literal["c", "f"] = Field("c", description="Unit system.")


class Color(str, Enum):
    red = "red"
    green = "green"


class Address(BaseModel):
    street: str
    city: str


class Person(BaseModel):
    name: str
    home: Address = Field(description="Where they live")
    previous: list[Address] = []
    by_label: dict[str, Address] = {}
    favourite: Color | None = None
    born: datetime | None = Field(None, description="Birth time")


# --- the example from the brief ----------------------------------------------------------


def test_weather_example_renders_exactly() -> None:
    out = render_stubs(
        [
            (
                "get_weather",
                "Current weather for a city.",
                WeatherArgs.model_json_schema(),
                Weather.model_json_schema(),
            )
        ]
    )
    assert valid(out) == (
        "class Weather(TypedDict):\n"
        '    """Current weather."""\n'
        "    temp_c: float  # Temperature in Celsius\n"
        "    conditions: str\n"
        "    alerts: NotRequired[list[str] | None]\n"
        "\n"
        'async def get_weather(city: str, units: Literal["c", "f"] = "c") -> Weather:\n'
        '    """Current weather for a city.\n'
        "\n"
        "    Args:\n"
        '        city: City name, e.g. "Oslo".\n'
        "        units: Unit system.\n"
        '    """'
    )


# --- scalar types, enums, unions -----------------------------------------------------------


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        ({"type": "string"}, "str"),
        ({"type": "integer"}, "int"),
        ({"type": "number"}, "float"),
        ({"type": "boolean"}, "bool"),
        ({"type": "null"}, "None"),
        ({"type": ["string", "null"]}, "str | None"),
        ({"type": ["integer", "string"]}, "int | str"),
        ({"type": "string", "format": "date-time"}, "str"),
        ({"type": "string", "nullable": True}, "str | None"),
        ({}, "Any"),
        ({"description": "anything"}, "Any"),
        ({"type": "mystery"}, "Any"),
        ({"enum": ["c", "f"]}, 'Literal["c", "f"]'),
        ({"enum": [1, 2, True]}, "Literal[1, 2, True]"),
        ({"enum": ["a", None]}, 'Literal["a"] | None'),
        ({"enum": ["it's", 'say "hi"']}, """Literal["it's", 'say "hi"']"""),
        ({"const": "fixed"}, 'Literal["fixed"]'),
        ({"const": None}, "None"),
        ({"oneOf": [{"const": "a"}, {"const": "b"}]}, 'Literal["a", "b"]'),
        ({"anyOf": [{"type": "integer"}, {"type": "null"}]}, "int | None"),
        ({"anyOf": [{"type": "null"}, {"type": "integer"}]}, "int | None"),
        ({"anyOf": [{"type": "string"}, {"type": "string"}, {"type": "integer"}]}, "str | int"),
        ({"oneOf": [{"type": "string"}, {"type": ["string", "null"]}]}, "str | None"),
        ({"anyOf": [{"type": "string"}, {}]}, "Any"),
        ({"allOf": [{"type": "integer"}]}, "int"),
    ],
)
def test_simple_annotations(schema: dict, expected: str) -> None:
    assert ann(schema) == expected


def test_arrays_and_tuples() -> None:
    assert ann({"type": "array", "items": {"type": "integer"}}) == "list[int]"
    assert ann({"type": "array"}) == "list[Any]"
    assert ann({"items": {"type": "string"}}) == "list[str]"
    assert ann({"type": "array", "items": {"type": "array", "items": {}}}) == "list[list[Any]]"
    prefix = {"type": "array", "prefixItems": [{"type": "integer"}, {"type": "string"}]}
    assert ann(prefix) == "tuple[int, str]"
    assert ann({"type": "array", "items": [{"type": "boolean"}]}) == "tuple[bool]"

    class Pair(BaseModel):
        pair: tuple[int, str]
        many: tuple[float, ...]

    props = Pair.model_json_schema()["properties"]
    assert ann(props["pair"]) == "tuple[int, str]"
    assert ann(props["many"]) == "list[float]"


def test_dicts() -> None:
    assert ann({"type": "object"}) == "dict[str, Any]"
    assert ann({"type": "object", "properties": {}}) == "dict[str, Any]"
    assert ann({"type": "object", "additionalProperties": True}) == "dict[str, Any]"
    assert ann({"type": "object", "additionalProperties": {"type": "integer"}}) == "dict[str, int]"
    nested = {"additionalProperties": {"type": "array", "items": {"type": ["number", "null"]}}}
    assert ann(nested) == "dict[str, list[float | None]]"
    pattern = {"type": "object", "patternProperties": {"^x-": {"type": "string"}}}
    assert ann(pattern) == "dict[str, str]"


def test_union_members_with_pipes_inside_are_not_split() -> None:
    schema = {"anyOf": [{"enum": ["a | b"]}, {"additionalProperties": {"type": ["int", "null"]}}]}
    schema["anyOf"][1]["additionalProperties"]["type"] = ["integer", "null"]
    assert ann(schema) == 'Literal["a | b"] | dict[str, int | None]'


# --- objects and classes ------------------------------------------------------------------


def test_object_with_properties_becomes_typeddict() -> None:
    ctx = StubContext()
    schema = {
        "type": "object",
        "title": "weather report",
        "description": "A report.",
        "properties": {
            "when": {"type": "string", "format": "date-time", "description": "Observed at"},
            "temp": {"type": "number", "default": 20.5},
            "raw": {"type": "string", "format": "byte"},
            "flag": {"type": "boolean"},
        },
        "required": ["when", "flag"],
    }
    assert ann(schema, ctx) == "WeatherReport"
    assert ctx.render_classes() == (
        "class WeatherReport(TypedDict):\n"
        '    """A report."""\n'
        "    when: str  # Observed at (format: date-time)\n"
        "    temp: NotRequired[float]  # default: 20.5\n"
        "    raw: NotRequired[str]  # format: byte\n"
        "    flag: bool"
    )


def test_untitled_objects_are_named_from_parent_and_field() -> None:
    inner = {"type": "object", "properties": {"lat": {"type": "number"}}, "required": ["lat"]}
    deeper = {"type": "object", "properties": {"x": {"type": "integer"}}}
    inner["properties"]["extra"] = {"type": "array", "items": deeper}
    tool_input = {"type": "object", "properties": {"location": inner}, "required": ["location"]}
    func, classes = stub("find_place", "", tool_input, None)
    assert func == "async def find_place(location: FindPlaceLocation) -> Any:\n    ..."
    assert "class FindPlaceLocation(TypedDict):\n    lat: float\n" in classes
    assert "    extra: NotRequired[list[FindPlaceLocationExtraItem]]" in classes
    assert "class FindPlaceLocationExtraItem(TypedDict):\n    x: NotRequired[int]" in classes
    # dependency order: a class used by another comes first
    assert classes.index("class FindPlaceLocationExtraItem") < classes.index(
        "class FindPlaceLocation("
    )
    untitled_output = {"type": "object", "properties": {"ok": {"type": "boolean"}}}
    func, classes = stub("mcp.ping-v2", "", {}, untitled_output)
    assert func.startswith("async def mcp_ping_v2() -> McpPingV2Result:")
    assert "class McpPingV2Result(TypedDict):" in classes


def test_field_comments_are_single_line_and_truncated() -> None:
    long = "word " * 60
    ctx = StubContext()
    schema = {
        "title": "T",
        "properties": {"a": {"type": "string", "description": "line one\nline two"}},
    }
    schema["properties"]["b"] = {"type": "string", "description": long}
    ann(schema, ctx)
    lines = ctx.render_classes().splitlines()
    assert "    a: NotRequired[str]  # line one line two" in lines
    b_line = next(line for line in lines if line.startswith("    b:"))
    assert b_line.endswith("...")
    assert len(b_line.split("# ", 1)[1]) <= 100


def test_pydantic_nested_models_refs_and_enums() -> None:
    func, classes = stub("save_person", "Save a person.", Person.model_json_schema(), None)
    assert "class Address(TypedDict):\n    street: str\n    city: str" in classes
    assert func.splitlines()[0] == "async def save_person("
    assert "    name: str,\n    home: Address,\n" in func
    assert "    previous: list[Address] = [],\n" in func
    assert "    by_label: dict[str, Address] = {},\n" in func
    assert '    favourite: Literal["red", "green"] | None = None,\n' in func
    assert "    born: str | None = None,\n" in func
    assert "        home: Where they live\n" in func
    assert "        born: Birth time (format: date-time)\n" in func
    assert "favourite:" not in func.split("Args:")[1]  # no description -> no Args entry


def test_model_used_as_typeddict_field() -> None:
    class Envelope(BaseModel):
        person: Person
        note: str | None = Field(None, description="Free text")

    ctx = StubContext()
    assert ann(Envelope.model_json_schema(), ctx) == "Envelope"
    classes = ctx.render_classes()
    assert "    person: Person\n" in classes
    assert "    home: Address  # Where they live\n" in classes
    assert '    favourite: NotRequired[Literal["red", "green"] | None]\n' in classes
    assert "    note: NotRequired[str | None]  # Free text" in classes
    order = [line.split("(")[0] for line in classes.splitlines() if line.startswith("class ")]
    assert order == ["class Address", "class Person", "class Envelope"]


def test_definitions_refs_and_allof_wrappers() -> None:
    schema = {
        "definitions": {
            "Point": {
                "type": "object",
                "properties": {"x": {"type": "number"}, "y": {"type": "number"}},
                "required": ["x", "y"],
            },
            "Tag": {"type": "string", "enum": ["a", "b"]},
        },
        "type": "object",
        "properties": {
            "where": {"allOf": [{"$ref": "#/definitions/Point"}], "description": "Position"},
            "tags": {"type": "array", "items": {"$ref": "#/definitions/Tag"}},
            "missing": {"$ref": "#/definitions/Nope"},
            "remote": {"$ref": "https://example.com/schema.json"},
        },
        "required": ["where"],
    }
    func, classes = stub("move", "Move.", schema, None)
    assert classes == "class Point(TypedDict):\n    x: float\n    y: float"
    assert func.startswith(
        "async def move(\n"
        "    where: Point,\n"
        '    tags: list[Literal["a", "b"]] = None,\n'
        "    missing: Any = None,\n"
        "    remote: Any = None,\n"
        ") -> Any:\n"
    )
    assert "        where: Position\n" in func


def test_allof_with_several_members_is_merged() -> None:
    schema = {
        "$defs": {"Base": {"properties": {"id": {"type": "integer"}}, "required": ["id"]}},
        "title": "Item",
        "allOf": [
            {"$ref": "#/$defs/Base"},
            {"properties": {"label": {"type": "string"}}},
        ],
    }
    ctx = StubContext()
    assert ann(schema, ctx) == "Item"
    assert (
        ctx.render_classes() == "class Item(TypedDict):\n    id: int\n    label: NotRequired[str]"
    )


# --- recursion ------------------------------------------------------------------------------


def test_recursive_model_references_itself_by_name() -> None:
    func, classes = stub("walk", "Walk a tree.", Node.model_json_schema(), Node.model_json_schema())
    assert classes == (
        "class Node(TypedDict):\n"
        '    """A tree node."""\n'
        "    name: str\n"
        "    children: NotRequired[list[Node]]  # default: []\n"
        "    parent: NotRequired[Node | None]"
    )
    assert func.startswith(
        "async def walk(name: str, children: list[Node] = [], parent: Node | None = None) -> Node:"
    )


def test_mutual_recursion_and_recursive_aliases_terminate() -> None:
    schema = {
        "$defs": {
            "A": {"type": "object", "properties": {"b": {"$ref": "#/$defs/B"}}},
            "B": {"type": "object", "properties": {"a": {"$ref": "#/$defs/A"}}},
            # a JSON value type: a recursive alias that is not a class
            "Json": {
                "anyOf": [
                    {"type": "string"},
                    {"type": "array", "items": {"$ref": "#/$defs/Json"}},
                    {"type": "object", "additionalProperties": {"$ref": "#/$defs/Json"}},
                ]
            },
            "Loop": {"$ref": "#/$defs/Loop"},
        },
        "type": "object",
        "properties": {
            "a": {"$ref": "#/$defs/A"},
            "j": {"$ref": "#/$defs/Json"},
            "loop": {"$ref": "#/$defs/Loop"},
        },
        "required": ["a", "j", "loop"],
    }
    func, classes = stub("rec", "", schema, None)
    assert "class A(TypedDict):\n    b: NotRequired[B]" in classes
    assert "class B(TypedDict):\n    a: NotRequired[A]" in classes
    assert "j: str | list[Any] | dict[str, Any], loop: Any" in func
    assert ann({"$ref": "#"}) == "Any"
    ctx = StubContext()
    self_root = {"title": "Tree", "properties": {"kids": {"items": {"$ref": "#"}}}}
    assert ann(self_root, ctx) == "Tree"
    assert "    kids: NotRequired[list[Tree]]" in ctx.render_classes()


# --- dedup and name collisions -------------------------------------------------------------


def test_same_model_across_tools_is_emitted_once() -> None:
    class Lookup(BaseModel):
        address: Address

    out = valid(
        render_stubs(
            [
                ("get_address", "", {}, Address.model_json_schema()),
                ("lookup", "", Lookup.model_json_schema(), Address.model_json_schema()),
                ("who", "", {}, Person.model_json_schema()),
            ]
        )
    )
    assert out.count("class Address(") == 1
    assert "Address2" not in out
    assert "async def get_address() -> Address:" in out
    assert "async def lookup(address: Address) -> Address:" in out
    assert "async def who() -> Person:" in out
    # all classes come before all functions
    assert out.rindex("class ") < out.index("async def ")


def test_different_schemas_with_same_name_get_suffixes() -> None:
    def address(field: str) -> dict:
        return {"title": "Address", "type": "object", "properties": {field: {"type": "string"}}}

    out = valid(
        render_stubs(
            [
                ("a", "", {"properties": {"x": address("street")}}, address("street")),
                ("b", "", {"properties": {"x": address("zip")}}, address("po_box")),
            ]
        )
    )
    assert "class Address(TypedDict):\n    street: NotRequired[str]" in out
    assert "class Address2(TypedDict):\n    zip: NotRequired[str]" in out
    assert "class Address3(TypedDict):\n    po_box: NotRequired[str]" in out
    assert "async def a(x: Address = None) -> Address:" in out
    assert "async def b(x: Address2 = None) -> Address3:" in out


def test_titles_that_shadow_typing_names_are_renamed() -> None:
    ctx = StubContext()
    schema = {"title": "Literal", "properties": {"v": {"type": "integer"}}}
    assert ann(schema, ctx) == "Literal2"
