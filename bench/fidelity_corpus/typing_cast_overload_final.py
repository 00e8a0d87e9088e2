from typing import Final, TypeAlias, cast, overload

MAX: Final = 10
Vector: TypeAlias = list[float]


@overload
def double(x: int) -> int: ...
@overload
def double(x: str) -> str: ...
def double(x):
    return x * 2


v: Vector = [1.0, 2.0]
print(double(4), double("ab"), cast(int, "not checked"), MAX, v)
