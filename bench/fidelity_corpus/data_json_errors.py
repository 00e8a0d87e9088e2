import json

for bad in ['{"a": 1,}', "[1, 2", "", "{'single': 1}", "nan"]:
    try:
        json.loads(bad)
    except json.JSONDecodeError as exc:
        print(type(exc).__name__, exc.msg, exc.lineno, exc.colno)
try:
    json.dumps({"when": object})
except TypeError as exc:
    print("TypeError:", exc)
try:
    json.dumps(float("inf"), allow_nan=False)
except ValueError as exc:
    print("ValueError:", exc)
