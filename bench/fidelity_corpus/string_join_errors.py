parts = ["a", "b", 3]
try:
    print(", ".join(parts))
except TypeError as exc:
    print("TypeError:", exc)
print(", ".join(map(str, parts)))
print("-".join("abc"), "".join([]), " ".join(str(n) for n in range(3)))
