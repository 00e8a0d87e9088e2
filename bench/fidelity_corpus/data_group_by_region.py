"""Total sales per region, then the best region."""

sales = [
    {"region": "north", "amount": 120.5},
    {"region": "south", "amount": 80.0},
    {"region": "north", "amount": 99.5},
    {"region": "east", "amount": 42.25},
    {"region": "south", "amount": 10.0},
]
totals = {}
for sale in sales:
    totals.setdefault(sale["region"], 0.0)
    totals[sale["region"]] += sale["amount"]
for region, total in sorted(totals.items()):
    print(f"{region:<6} {total:>8.2f}")
best = max(totals, key=totals.get)
print("best:", best)
