log = []


def ticker():
    try:
        n = 0
        while True:
            yield n
            n += 1
    except GeneratorExit:
        log.append("closing")
        raise
    finally:
        log.append("finally")


t = ticker()
print([next(t) for _ in range(3)])
t.close()
print(log)
t2 = ticker()
next(t2)
try:
    t2.throw(ValueError("injected"))
except ValueError as exc:
    print("ValueError:", exc, log)
