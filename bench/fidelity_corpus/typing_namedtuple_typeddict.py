from typing import NamedTuple, TypedDict


class Employee(NamedTuple):
    name: str
    dept: str = "eng"
    level: int = 1


class Movie(TypedDict, total=False):
    title: str
    year: int


e = Employee("ada", level=3)
print(e, e._fields, Employee.__annotations__)
m: Movie = {"title": "Heat", "year": 1995}
print(m, type(m).__name__, Movie.__total__)
print(sorted([Employee("b"), Employee("a", "ops")]))
