# ruff: noqa: B018
class Key:
    def __init__(self, v):
        self.v = v

    def __eq__(self, other):
        return isinstance(other, Key) and self.v == other.v

    def __hash__(self):
        return hash(self.v)


class NoHash:
    def __eq__(self, other):
        return True


d = {Key(1): "one"}
print(d[Key(1)], Key(1) in {Key(1)}, len({Key(2), Key(2)}))
try:
    {NoHash()}
except TypeError as exc:
    print("TypeError:", exc)
try:
    {[]: 1}
except TypeError as exc:
    print("TypeError:", exc)
print(hash(1) == hash(1.0), hash((1, 2)) == hash((1, 2)), NoHash.__hash__)
