"""The stub renderer: function signatures, hostile names and descriptions, random and
deeply nested schemas (they must always give valid, bounded Python)."""

from __future__ import annotations

import random
from typing import Any

from codemode_skills.tools.stubs import StubContext, render_function_stub, render_stubs

from .stub_cases import ann, stub, valid

# --- function stubs -------------------------------------------------------------------------


def test_parameter_order_and_defaults() -> None:
    schema = {
        "type": "object",
        "properties": {
            "opt_flag": {"type": "boolean", "default": True},
            "query": {"type": "string"},
            "off": {"type": "boolean", "default": False},
            "nothing": {"type": ["string", "null"], "default": None},
            "limit": {"type": "integer"},
            "tags": {"type": "array", "items": {"type": "string"}, "default": ["a", "b"]},
            "opts": {"type": "object", "default": {"deep": None, "n": 1.5}},
            "quote": {"type": "string", "default": 'say "x"'},
        },
        "required": ["query"],
    }
    func, _ = stub("search", "", schema, {})
    head = func.splitlines()
    assert head[:10] == [
        "async def search(",
        "    query: str,",
        "    opt_flag: bool = True,",
        "    off: bool = False,",
        "    nothing: str | None = None,",
        "    limit: int = None,",
        '    tags: list[str] = ["a", "b"],',
        '    opts: dict[str, Any] = {"deep": None, "n": 1.5},',
        "    quote: str = 'say \"x\"',",
        ") -> Any:",
    ]
    assert "Args" not in func  # no field has a description
    assert head[-1] == "    ..."


def test_short_signature_stays_on_one_line_and_prefix_is_applied() -> None:
    schema = {"properties": {"n": {"type": "integer"}}, "required": ["n"]}
    func, _ = stub("double", "Double it.", schema, {"type": "integer"}, None)
    assert func == 'async def double(n: int) -> int:\n    """Double it."""'
    ctx = StubContext()
    func = valid(render_function_stub("double", "", schema, None, ctx, prefix="math__"))
    assert func == "async def math__double(n: int) -> Any:\n    ..."


def test_keyword_and_non_identifier_names() -> None:
    schema = {
        "properties": {
            "from-date": {"type": "string", "description": "Start"},
            "class": {"type": "integer"},
            "kwargs": {"type": "integer"},
            "ok": {"type": "integer"},
            "__secret": {"type": "integer"},
        },
        "required": ["from-date", "ok"],
    }
    func, _ = stub("class", "", schema, None)
    assert func.startswith("async def class_(ok: int, kwargs: int = None, **kwargs_: Any) -> Any:")
    assert '        "from-date" (pass via **{...}, str): Start\n' in func
    assert '        "class" (pass via **{...}, int):\n' in func
    ctx = StubContext()
    assert ann({"title": "Range", **schema}, ctx) == "Range"
    assert ctx.render_classes() == (
        "Range = TypedDict(\n"
        '    "Range",\n'
        "    {\n"
        '        "from-date": str,  # Start\n'
        '        "class": NotRequired[int],\n'
        '        "kwargs": NotRequired[int],\n'
        '        "ok": int,\n'
        '        "__secret": NotRequired[int],\n'
        "    },\n"
        ")"
    )


def test_hostile_descriptions_stay_valid_python() -> None:
    nasty = 'Ends with quote "x"\n""" triple \\ back \\""" \x00 nul \r\n tail"'
    schema = {
        "title": "Bad",
        "description": nasty,
        "properties": {"p": {"type": "string", "description": nasty}},
        "required": ["p"],
    }
    for desc in [nasty, '"', '""', '"""', '""""', "\\", 'a\\"', "ends\\", "x" * 300]:
        func, classes = stub("t", desc, schema, schema)
        assert "\x00" not in func + classes
    func, classes = stub("t", 'He said "hi"', {}, None)
    assert func == 'async def t() -> Any:\n    """He said "hi\\""""'
    functional = {"title": "Odd", "description": nasty, "properties": {"a-b": {"enum": [nasty]}}}
    ann(functional)


def test_output_schema_none_or_empty_is_any() -> None:
    assert stub("f", "", {}, None)[0].startswith("async def f() -> Any:")
    assert stub("f", "", {}, {})[0].startswith("async def f() -> Any:")
    assert stub("f", "", {"type": "object"}, {"type": "object"})[0].startswith(
        "async def f() -> dict[str, Any]:"
    )


def test_render_stubs_empty() -> None:
    assert render_stubs([]) == ""


# --- robustness: random hostile schemas always give valid Python ----------------------------

WORDS = ["a", "from", "x-y", "", '"""', "\\", "ok", "class", "2nd", "é", "__z", "\n", "kwargs"]


def _random_schema(rng: random.Random, depth: int) -> Any:
    if depth <= 0 or rng.random() < 0.2:
        return rng.choice([{}, {"type": "string"}, {"type": "null"}, True, {"enum": [1, None]}])
    kind = rng.randrange(8)
    if kind == 0:
        props = {rng.choice(WORDS): _random_schema(rng, depth - 1) for _ in range(3)}
        return {
            "type": "object",
            "title": rng.choice([*WORDS, "Node", "Literal"]),
            "description": rng.choice(WORDS),
            "properties": props,
            "required": [rng.choice(WORDS)],
        }
    if kind == 1:
        return {"anyOf": [_random_schema(rng, depth - 1) for _ in range(3)]}
    if kind == 2:
        return {"type": "array", "items": _random_schema(rng, depth - 1)}
    if kind == 3:
        return {"additionalProperties": _random_schema(rng, depth - 1)}
    if kind == 4:
        return {"$ref": rng.choice(["#/$defs/Node", "#", "#/$defs/Nope", "#/definitions/Node"])}
    if kind == 5:
        return {"enum": [rng.choice(WORDS), 1.5, None, [1], {"a": 1}]}
    if kind == 6:
        return {"allOf": [_random_schema(rng, depth - 1) for _ in range(rng.randrange(1, 3))]}
    return {"prefixItems": [_random_schema(rng, depth - 1)], "default": rng.choice(WORDS)}


def test_random_schemas_always_render_valid_python() -> None:
    rng = random.Random(1234)
    for _ in range(300):
        tools = []
        for i in range(3):
            defs = {"Node": _random_schema(rng, 3)}
            inp = {"$defs": defs, "definitions": defs, "properties": {}}
            for word in WORDS[:6]:
                inp["properties"][word] = _random_schema(rng, 3)
            inp["required"] = [rng.choice(WORDS)]
            body = _random_schema(rng, 3)
            out = rng.choice([None, {}, {"$defs": defs, **body} if isinstance(body, dict) else {}])
            tools.append((rng.choice(WORDS) + str(i), rng.choice(WORDS), inp, out))
        valid(render_stubs(tools))


def _deep_object(depth: int) -> dict:
    root: dict = {"type": "object", "properties": {}}
    node = root
    for i in range(depth):
        child: dict = {"type": "object", "properties": {}}
        node["properties"][f"f{i}"] = child
        node = child
    return root


def test_a_deeply_nested_schema_gives_a_bounded_stub() -> None:
    """A schema stored before registration bounded schemas may nest hundreds deep: the
    stub stops at MAX_STUB_DEPTH with ``Any`` instead of a RecursionError."""
    from codemode_skills.tools.stubs import MAX_STUB_DEPTH

    stub = render_stubs([("deep", "Deep.", _deep_object(400), None)])
    assert "Any" in stub
    assert stub.count("class ") <= MAX_STUB_DEPTH + 1


def test_a_multiplying_reference_graph_gives_a_bounded_stub() -> None:
    """Each level refers twice to the next: expanded naively that is 2**levels nodes (16
    levels made a 1.5 MB prompt in 0.6 s on the host's loop, 20 levels 12 MB in 7 s)."""
    defs = {
        f"L{i}": {
            "anyOf": [
                {"type": "array", "items": {"$ref": f"#/$defs/L{i + 1}"}},
                {"type": "object", "additionalProperties": {"$ref": f"#/$defs/L{i + 1}"}},
            ]
        }
        for i in range(24)
    }
    defs["L24"] = {"type": "string"}
    schema = {"type": "object", "properties": {"x": {"$ref": "#/$defs/L0"}}, "$defs": defs}
    stub = render_stubs([("graph", "Graph.", schema, None)])
    assert len(stub) < 100_000
