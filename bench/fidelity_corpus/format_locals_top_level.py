# ruff: noqa: UP031
name = "Ada"
age = 36
print("{name} is {age}".format(**locals()))
print("%(name)s/%(age)d" % vars())
print(sorted(k for k in locals() if not k.startswith("_")))
