x = "outer"
squares = [x * x for x in range(4)]
print(squares, x)
evens = {n: n % 2 == 0 for n in range(5)}
print(evens)
matrix = [[r * 3 + c for c in range(3)] for r in range(3)]
print(matrix, [row[i] for i, row in enumerate(matrix)])
print({c.upper() for c in "hello"} == set("HELO"), sorted({c for c in "banana"}))
print([(a, b) for a in range(3) for b in range(a) if (a + b) % 2])
gen = sum(v for v in range(10) if v % 3 == 0)
print(gen, [y for y in [1, None, 2, None] if y is not None])
words = ["apple", "bob", "kayak", "level", "python"]
print([w for w in words if w == w[::-1]], {len(w): w for w in words})
