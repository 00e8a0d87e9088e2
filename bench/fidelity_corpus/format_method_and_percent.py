# ruff: noqa: F524, UP031, UP032
print("{} + {} = {}".format(1, 2, 3))
print("{0}{1}{0}".format("ab", "cd"), "{name} is {age}".format(name="Ada", age=36))
print("{:>8.3f}|{:<6}|{:^7}".format(3.14159, "ab", "mid"))
print("{0[0]} {0[1]} {1[k]}".format(["x", "y"], {"k": "v"}))
print("%s is %d years and %.1f%%" % ("Bob", 42, 99.5))
print("%(a)s-%(b)05.1f" % {"a": "x", "b": 2.25}, "%r %5s|%-5s|" % ("q", "r", "l"))
print("%x %o %e %c" % (255, 8, 12345.678, 65))
try:
    print("%d" % "x")
except TypeError as exc:
    print("TypeError:", exc)
try:
    print("{} {}".format("only one"))
except IndexError as exc:
    print("IndexError:", exc)
