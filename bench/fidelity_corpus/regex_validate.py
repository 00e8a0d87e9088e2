import re

EMAIL = re.compile(r"^[\w.+-]+@[\w-]+\.[\w.-]+$")
for candidate in ["ada@example.org", "bad@", "x.y+z@sub.domain.co", "@no.pe"]:
    print(candidate, bool(EMAIL.match(candidate)))
for pattern in ["(unclosed", "a{2,1}", "[z-a]", "*start"]:
    try:
        re.compile(pattern)
    except re.error as exc:
        print("re.error:", exc.msg, "at", exc.pos)
print(re.compile(r"\d+").pattern, re.I | re.M)
