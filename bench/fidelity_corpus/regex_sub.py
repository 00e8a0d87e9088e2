import re

text = "Call 555-1234 or 555-9876; fax 555-0000."
print(re.sub(r"\d{3}-(\d{4})", r"XXX-\1", text))
print(re.sub(r"\d+", lambda m: str(int(m.group()) * 2), "a1 b22 c333"))
print(re.subn(r"\s+", " ", "too    many   spaces"))
print(re.sub(r"(?i)hello", "bye", "Hello HELLO hello"))
print(re.split(r"[;,]\s*", "a, b;c,  d"), re.split(r"(-)", "1-2-3"))
print(re.escape("1+1=2?"), re.fullmatch(r"[a-z]+", "abc1"))
