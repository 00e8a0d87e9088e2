import math


class User:
    def __init__(self):
        self.name = "ada"


attempts = [
    lambda: User().email,
    lambda: "text".push("x"),
    lambda: None.strip(),
    lambda: [].shape,
    lambda: math.tau2,
    lambda: (1).real.imag.nope,
    lambda: User.missing,
    lambda: {}.iteritems(),
]
for attempt in attempts:
    try:
        attempt()
    except AttributeError as exc:
        print(f"AttributeError: {exc}")
print(hasattr(User(), "name"), getattr(User(), "email", "n/a"))
