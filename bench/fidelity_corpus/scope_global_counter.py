counter = 0
history = []


def bump(amount=1):
    global counter
    counter += amount
    history.append(counter)
    return counter


def reset():
    global counter
    counter = 0


bump()
bump(5)
print(counter, history)
reset()
print(counter, bump(2), history)


def define_later():
    global created
    created = "now"


define_later()
print(created)
