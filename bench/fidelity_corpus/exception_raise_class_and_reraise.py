def risky(kind):
    if kind == "class":
        raise ValueError
    if kind == "instance":
        raise ValueError("with message")
    return "fine"


for kind in ["class", "instance", "none"]:
    try:
        print(risky(kind))
    except ValueError as exc:
        print(repr(exc), str(exc) == "", exc.args)
try:
    try:
        risky("instance")
    except ValueError:
        print("logging and re-raising")
        raise
except ValueError as exc:
    print("outer caught", exc)
raise KeyError
