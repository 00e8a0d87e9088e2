values = ["it's", 'say "hi"', "both ' and \"", "tab\t", "uni é ☃", "\x00\x7f", b"bytes\n"]
for v in values:
    print(str(v) if isinstance(v, str) else v, "|", repr(v))
print(repr(1.0), repr(0.1 + 0.2), repr(1e16), repr(1e-5), repr(-0.0), repr(float("nan")))
print(repr([1, "a", None, (2,), {3}, {"k": [4.5]}]), repr(()), repr(set()), repr({}))
print(str(12345678901234567890), repr(2**70), repr(True), repr(None), repr(...))
print(repr(range(3)), repr(slice(1, 2)), repr(frozenset({1})), repr(complex(1, -2)))
print(repr(b"\xff\x00abc"), repr(bytearray(b"xy")), repr(memoryview(b"a"))[:13])
