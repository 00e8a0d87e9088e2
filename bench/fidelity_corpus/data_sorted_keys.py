from operator import attrgetter, itemgetter

people = [("ann", 31, "oslo"), ("bob", 25, "lima"), ("cid", 31, "bern"), ("dee", 25, "oslo")]
print(sorted(people, key=itemgetter(1)))
print(sorted(people, key=lambda p: (-p[1], p[0])))
print(sorted(people, key=itemgetter(2, 0), reverse=True))
print(sorted(["banana", "Apple", "cherry"], key=str.lower))
print(sorted(["banana", "Apple", "cherry"]))
print(sorted("hello world"), max(people, key=itemgetter(1)))


class P:
    def __init__(self, name, age):
        self.name, self.age = name, age

    def __repr__(self):
        return f"P({self.name!r}, {self.age})"


print(sorted([P("x", 3), P("y", 1)], key=attrgetter("age")))
