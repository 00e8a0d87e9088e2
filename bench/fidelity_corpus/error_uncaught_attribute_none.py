import re

match = re.match(r"(\d+)", "abc")
print("matched?", match is not None)
print(match.group(1))
