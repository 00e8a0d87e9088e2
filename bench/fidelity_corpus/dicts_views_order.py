d = {"b": 2, "a": 1}
d["c"] = 3
print(list(d), list(d.values()), list(d.items()))
keys = d.keys()
d["d"] = 4
print(keys, "a" in keys, keys & {"a", "z"}, sorted(keys - {"b"}))
print(d.pop("b"), d.popitem(), d, d.setdefault("e", 5), d)
print(dict(sorted(d.items(), key=lambda kv: -kv[1])))
inverted = {v: k for k, v in d.items()}
print(inverted, {**d, "a": 100}, dict([("x", 1), ("y", 2)]), dict(a=1, b=2))
try:
    for k in d:
        d[k + "!"] = 0
except RuntimeError as exc:
    print("RuntimeError:", exc)
