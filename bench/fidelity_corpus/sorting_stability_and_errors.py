records = [("b", 2), ("a", 2), ("c", 1), ("a", 1)]
by_num = sorted(records, key=lambda r: r[1])
print(by_num)
print(sorted(by_num, key=lambda r: r[0]))
records.sort(key=lambda r: (r[1], r[0]), reverse=True)
print(records)
try:
    sorted([3, "a", 1])
except TypeError as exc:
    print("TypeError:", exc)
try:
    sorted([{"a": 1}, {"b": 2}])
except TypeError as exc:
    print("TypeError:", exc)
print(sorted([None, 1], key=lambda v: (v is None, v or 0)))
