import json

raw = """[
  {"id": 1, "title": "Fix login", "state": "open", "labels": ["bug", "p1"], "comments": 4},
  {"id": 2, "title": "Docs", "state": "closed", "labels": ["docs"], "comments": 0},
  {"id": 3, "title": "Crash on save", "state": "open", "labels": ["bug"], "comments": 11},
  {"id": 4, "title": "Refactor", "state": "open", "labels": [], "comments": 2}
]"""
issues = json.loads(raw)
open_bugs = [i for i in issues if i["state"] == "open" and "bug" in i["labels"]]
open_bugs.sort(key=lambda i: i["comments"], reverse=True)
print(f"{len(open_bugs)} open bugs of {len(issues)} issues")
for issue in open_bugs:
    print(f"#{issue['id']:<3} {issue['title']:<15} {issue['comments']:>3} comments")
labels = sorted({label for i in issues for label in i["labels"]})
print("labels:", ", ".join(labels))
{"open_bugs": [i["id"] for i in open_bugs], "labels": labels}
