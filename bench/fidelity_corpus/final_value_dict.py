orders = [("ann", 3), ("bob", 5), ("ann", 2)]
totals = {}
for name, qty in orders:
    totals[name] = totals.get(name, 0) + qty
print("computed")
{"totals": totals, "count": len(orders), "top": max(totals, key=totals.get)}
