# ruff: noqa: B905
names = ["ada", "bob", "cy"]
ages = [36, 25, 41]
print(list(map(str.title, names)), list(map(lambda a, b: f"{a}{b}", names, ages)))
print(list(filter(None, [0, 1, "", "x", None, []])), list(filter(str.isalpha, "a1b2")))
pairs = list(zip(names, ages))
print(pairs, dict(pairs), list(zip(*pairs)))
print(list(enumerate("abc", start=1)), list(reversed(range(3))), sorted(zip(ages, names)))
print(list(map(int, "1 2 3".split())), list(zip()), list(zip("ab", range(10))))
