users = [{"id": 1, "name": "Ada"}, {"id": 2, "name": "Bob"}, {"id": 3, "name": "Cy"}]
orders = [
    {"user": 1, "total": 30.0},
    {"user": 3, "total": 12.5},
    {"user": 1, "total": 7.25},
    {"user": 9, "total": 1.0},
]
by_id = {u["id"]: u for u in users}
spent = {}
orphans = []
for o in orders:
    user = by_id.get(o["user"])
    if user is None:
        orphans.append(o)
        continue
    spent[user["name"]] = spent.get(user["name"], 0) + o["total"]
for name in sorted(by_id[i]["name"] for i in by_id):
    print(f"{name:<4} {spent.get(name, 0):>7.2f}")
print("orphans:", orphans)
sorted(spent.items(), key=lambda kv: kv[1], reverse=True)
