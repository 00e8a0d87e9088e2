items = ["a", "b"]
total = 0
for item in items:
    total += len(item)
print("total", total)
print(totl)  # noqa: F821
