# ruff: noqa: UP007, UP045
from typing import Generic, Optional, Protocol, TypeVar, Union

T = TypeVar("T")


class Stack(Generic[T]):
    def __init__(self) -> None:
        self.items: list[T] = []

    def push(self, item: T) -> None:
        self.items.append(item)

    def pop(self) -> Optional[T]:
        return self.items.pop() if self.items else None


class Greeter(Protocol):
    def greet(self) -> str: ...


class English:
    def greet(self) -> str:
        return "hello"


def welcome(g: Greeter) -> str:
    return g.greet().title()


s: Stack[int] = Stack()
s.push(1)
s.push(2)
print(s.pop(), s.pop(), s.pop(), welcome(English()))
print(Optional[int], Union[int, str], list[int], dict[str, list[int]], int | None)
print(Stack[int], T, Stack.__parameters__)
