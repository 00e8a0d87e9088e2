def max(*args):
    return "my max"


sum = 0
for value in [1, 2, 3]:
    sum += value
print(max(1, 2), sum)
id = "user-7"
type = "admin"
input = "ignored"
print(id, type, input)
str = "oops"
try:
    print(str(5))
except TypeError as exc:
    print("TypeError:", exc)
