# ruff: noqa: B905
from itertools import zip_longest

names = ["ann", "bob", "cid"]
emails = ["a@x.org", "b@x.org"]
for name, email in zip_longest(names, emails, fillvalue="-"):
    print(f"{name}: {email}")
print(list(zip(names, emails)))
try:
    list(zip(names, emails, strict=True))
except ValueError as exc:
    print("ValueError:", exc)
