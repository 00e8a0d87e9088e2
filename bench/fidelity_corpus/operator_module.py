import operator

print(operator.add(2, 3), operator.mul("ab", 2), operator.neg(5), operator.not_(0))
get_name = operator.itemgetter("name")
get_pair = operator.itemgetter(0, -1)
print(get_name({"name": "x"}), get_pair("hello"))
upper = operator.methodcaller("upper")
print(upper("shout"), operator.methodcaller("split", ",")("a,b"))


class C:
    def __init__(self):
        self.inner = type("Inner", (), {"value": 42})()


print(operator.attrgetter("inner.value")(C()))
print(sorted([(1, "b"), (0, "a")], key=operator.itemgetter(1)), operator.contains([1], 1))
