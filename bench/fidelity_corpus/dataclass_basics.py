from dataclasses import dataclass, field


@dataclass(order=True)
class Item:
    priority: int
    name: str = field(compare=False)
    tags: list = field(default_factory=list, compare=False)


a = Item(2, "write report")
b = Item(1, "fix bug", ["urgent"])
print(a)
print(sorted([a, b]))
print(a == Item(2, "other"), a < b)
a.tags.append("x")
print(a.tags, Item(3, "z").tags)
