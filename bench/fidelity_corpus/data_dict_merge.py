# ruff: noqa: B905
defaults = {"color": "blue", "size": 3, "tags": []}
override = {"size": 5, "extra": True}
print(defaults | override)
merged = {**defaults, **override, "color": "red"}
print(merged)
config = dict(defaults)
config |= {"size": 9}
print(config, defaults["size"])
print(dict(zip("abc", range(3))), dict.fromkeys(["x", "y"], 0))
counts = {}
for ch in "mississippi":
    counts[ch] = counts.get(ch, 0) + 1
print(counts)
