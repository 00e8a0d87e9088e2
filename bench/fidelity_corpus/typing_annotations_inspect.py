# ruff: noqa: UP035
from typing import Any, Callable, Literal


def apply(fn: Callable[[int], int], value: int = 0, *, mode: Literal["a", "b"] = "a") -> Any:
    return fn(value)


print(apply(lambda v: v + 1, 41))
print(apply.__annotations__)
print(apply.__defaults__, apply.__kwdefaults__, apply.__name__)
x: int = 5
y: "list[str]"
print(x)
