inventory = [
    {"sku": "A-1", "name": "Widget", "qty": 12, "price": 2.5},
    {"sku": "B-22", "name": "Gadget, large", "qty": 0, "price": 19.99},
    {"sku": "C-333", "name": "Doohickey", "qty": 3, "price": 120.0},
]
print(f"{'SKU':<6}|{'Name':^15}|{'Qty':>5}|{'Value':>10}")
print("-" * 39)
for item in inventory:
    value = item["qty"] * item["price"]
    flag = " (out)" if not item["qty"] else ""
    print(f"{item['sku']:<6}|{item['name']:^15.15}|{item['qty']:>5}|{value:>10,.2f}{flag}")
total = sum(i["qty"] * i["price"] for i in inventory)
print(f"{'total':<28}{total:>11,.2f}")
