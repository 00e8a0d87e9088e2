import re

data = [4, 10, 15, 3, 22]
if (n := len(data)) > 3:
    print(f"{n} items")
print([y for x in data if (y := x * 2) > 10])
lines = iter(["a", "b", "", "c"])
while (line := next(lines)) != "":
    print("line", line)
if m := re.search(r"(\d+)-(\d+)", "range 10-20"):
    print(m.groups(), int(m[2]) - int(m[1]))
print(y, [total := 0] and [total := total + v for v in [1, 2, 3]], total)
