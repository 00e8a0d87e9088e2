import sys

print(sys.maxsize > 2**31, sys.version_info >= (3, 8), sys.version_info.major)
print(sys.byteorder in ("little", "big"), sys.float_info.max > 1e308, sys.float_info.epsilon)
print(type(sys.argv).__name__, sys.getrecursionlimit() > 100, isinstance(sys.platform, str))
print(sys.getsizeof(0) > 0, sys.intern("abc") == "abc", sys.int_info.bits_per_digit)
