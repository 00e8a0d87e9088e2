import difflib

a = ["apple", "banana", "cherry", "date"]
b = ["apple", "blueberry", "cherry", "dates", "elder"]
print("\n".join(difflib.unified_diff(a, b, "before", "after", lineterm="")))
print(difflib.get_close_matches("appel", ["ape", "apple", "peach", "puppy"]))
print(round(difflib.SequenceMatcher(None, "kitten", "sitting").ratio(), 4))
print(list(difflib.ndiff(["one\n"], ["ore\n"])))
