import pprint

pprint.pprint({"key": list(range(12)), "other": {"deep": ["x" * 20, "y" * 20]}}, width=50)
pprint.pprint("short")
pprint.pp([1, 2])
