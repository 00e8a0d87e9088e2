text = "naïve café ☕"
data = text.encode("utf-8")
print(data, len(text), len(data))
print(data.decode("utf-8") == text, text.encode("ascii", errors="replace"))
print(text.encode("ascii", errors="ignore"), text.encode("latin-1", errors="xmlcharrefreplace"))
try:
    text.encode("ascii")
except UnicodeEncodeError as exc:
    print("UnicodeEncodeError:", exc)
try:
    b"\xff\xfe\xfa".decode("utf-8")
except UnicodeDecodeError as exc:
    print("UnicodeDecodeError:", exc)
print(bytes.fromhex("48656c6c6f"), b"abc".upper(), b"a,b".split(b","), bytearray(b"x") + b"y")
print(ord("€"), chr(8364), "\N{SNOWMAN}", "\u00e9" == "é", ascii("é☃"))
