import json


def summarize(rows):
    return {"n": len(rows), "sum": sum(rows), "avg": sum(rows) / len(rows)}


json.loads(json.dumps(summarize([1, 2, 3, 4])))
