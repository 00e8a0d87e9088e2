import json

record = {"name": "Zoë", "tags": ["a", "b"], "score": 9.5, "ok": True, "none": None}
text = json.dumps(record, sort_keys=True)
print(text)
print(json.dumps(record, ensure_ascii=False, indent=2))
back = json.loads(text)
print(back == record, type(back["tags"]).__name__)
print(json.dumps((1, 2)), json.dumps({1: "int key"}))
print(json.loads('[1, 2.5, "x", null, true]'))
