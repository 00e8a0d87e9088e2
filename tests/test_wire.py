"""The wire format: strict parsing of what workers send, the host's run request."""

from __future__ import annotations

import pytest

from codemode_skills.sandbox.jail import wire


def test_run_request_round_trip() -> None:
    code = "print('héllo \\n wörld')\nreturn {'a': [1, 2]}\n"
    data = wire.run_message(
        code,
        tools=["add", "get_weather"],
        skills=[],
        limits=(10, 20, 30),
        memory_mb=128,
        cpu_s=7,
        restricted=True,
        globals_={"input": {"x": "ü"}},
    )
    # byte by byte, the request is incomplete until its last byte
    for cut in (0, 5, data.index(b"\n"), len(data) - 1):
        assert wire.parse_run(data[:cut]) is None
    request, rest = wire.parse_run(data + b"tail")  # type: ignore[misc]
    assert rest == b"tail"
    assert request == {
        "code": code,
        "memory_mb": 128,
        "cpu_s": 7,
        "limits": (10, 20, 30),
        "restricted": True,
        "tools": ["add", "get_weather"],
        "skills": [],
        "globals": {"input": {"x": "ü"}},
        "token": None,
    }
    signed = wire.run_message(
        "return 1",
        tools=[],
        skills=[],
        limits=(1, 1, 1),
        memory_mb=1,
        cpu_s=1,
        restricted=True,
        globals_=None,
        token="aB-_.c9",
    )
    assert wire.parse_run(signed)[0]["token"] == "aB-_.c9"  # type: ignore[index]


def test_run_request_refuses_names_that_would_break_the_framing() -> None:
    with pytest.raises(ValueError):
        wire.run_message(
            "return 1",
            tools=["a b"],
            skills=[],
            limits=(1, 1, 1),
            memory_mb=1,
            cpu_s=1,
            restricted=True,
            globals_=None,
        )
    with pytest.raises(ValueError):
        wire.run_message(
            "return 1",
            tools=[],
            skills=[],
            limits=(1, 1, 1),
            memory_mb=1,
            cpu_s=1,
            restricted=True,
            globals_=None,
            token="a b",
        )


def test_call_line_carries_the_token_only_when_there_is_one() -> None:
    plain = wire.decode(wire.call_line(3, "tools", "add", {"a": 1})[:-1])
    assert "token" not in plain and plain["args"] == {"a": 1}
    signed = wire.decode(wire.call_line(3, "tools", "add", {"a": 1}, "x.y.z")[:-1])
    assert signed["token"] == "x.y.z" and signed["id"] == 3


@pytest.mark.parametrize(
    "line",
    [
        b"",
        b"[]",
        b'{"no_op": 1}',
        b'{"op": 1}',
        b'{"op": "log", "text": NaN}',
        b'{"op": "log"} trailing',
        b"\xff\xfe",
        b'{"op": "log", "text": Infinity}',
    ],
)
def test_decode_is_strict(line: bytes) -> None:
    with pytest.raises(wire.WireError):
        wire.decode(line)


def test_field_types_are_checked() -> None:
    message = wire.decode(b'{"op": "call", "id": true, "name": "x"}')
    with pytest.raises(wire.WireError):
        wire.field(message, "id", int)  # a bool is not an id
    assert wire.field(message, "name", str) == "x"
