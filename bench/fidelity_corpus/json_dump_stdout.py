import json
import sys

data = {"b": [1, 2], "a": {"nested": True}}
json.dump(data, sys.stdout, indent=1, sort_keys=True)
print()
json.dump([1, "two"], sys.stdout)
sys.stdout.write("\n")
