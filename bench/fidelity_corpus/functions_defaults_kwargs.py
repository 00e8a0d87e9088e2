def append_to(item, target=[]):  # noqa: B006
    target.append(item)
    return target


print(append_to(1), append_to(2))


def safe_append(item, target=None):
    target = [] if target is None else target
    target.append(item)
    return target


print(safe_append(1), safe_append(2))


def config(host, /, port=80, *, secure=False, **extra):
    return host, port, secure, extra


print(config("x"), config("x", 8080, secure=True, retries=3))
for call in [lambda: config(host="x"), lambda: config("x", 1, 2), lambda: config()]:
    try:
        call()
    except TypeError as exc:
        print("TypeError:", exc)
