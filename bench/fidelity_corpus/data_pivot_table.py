rows = [
    ("2024-01", "apples", 3),
    ("2024-01", "pears", 5),
    ("2024-02", "apples", 7),
    ("2024-02", "plums", 1),
    ("2024-03", "pears", 2),
]
months = sorted({r[0] for r in rows})
fruits = sorted({r[1] for r in rows})
cells = {(m, f): 0 for m in months for f in fruits}
for month, fruit, qty in rows:
    cells[month, fruit] += qty
print("month   " + "".join(f"{f:>8}" for f in fruits))
for m in months:
    print(f"{m:<8}" + "".join(f"{cells[m, f]:>8}" for f in fruits))
print("total   " + "".join(f"{sum(cells[m, f] for m in months):>8}" for f in fruits))
