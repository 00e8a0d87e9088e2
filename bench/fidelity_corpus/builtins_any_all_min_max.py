# ruff: noqa: RUF017
scores = {"ann": 7, "bob": 9, "cid": 9}
print(max(scores, key=scores.get), min(scores.values()), max([], default="empty"))
print(min("banana", "Apple", key=str.lower), max(3, 1, 4, key=lambda v: -v))
print(sum([1.5, 2.5], start=10), sum([[1], [2]], []), any(v > 8 for v in scores.values()))
print(all(isinstance(v, int) for v in scores.values()), abs(-3.5), round(7.456, 1))
try:
    max([])
except ValueError as exc:
    print("ValueError:", exc)
try:
    min()
except TypeError as exc:
    print("TypeError:", exc)
