# ruff: noqa: B018
a = {1, 2, 3, 4}
b = {3, 4, 5}
print(a | b, a & b, a - b, a ^ b)
print(a <= b, {3, 4} < a, a.isdisjoint({9}), a.issuperset({1, 2}))
s = set()
s.add(5)
s.update([6, 7], (8,))
s.discard(100)
print(sorted(s), len(s), s.pop() in {5, 6, 7, 8})
frozen = frozenset([1, 2, 2])
print(frozen, {frozen: "as key"}, hash(frozenset()) == hash(frozenset()))
words = ["pear", "apple", "pear", "fig"]
print(sorted(set(words)), sorted({len(w) for w in words}))
try:
    {[1, 2]}
except TypeError as exc:
    print("TypeError:", exc)
