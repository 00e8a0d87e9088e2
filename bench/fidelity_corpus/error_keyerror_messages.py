config = {"host": "x", "port": 80}
for key in ["port", "user", ("a", 1), 0]:
    try:
        print(config[key])
    except KeyError as exc:
        print("KeyError:", exc, repr(exc), exc.args)
try:
    config.pop("missing")
except KeyError as exc:
    print("KeyError:", exc)
try:
    set().remove(3)
except KeyError as exc:
    print("KeyError:", exc)
try:
    {}.popitem()
except KeyError as exc:
    print("KeyError:", exc)
