global counter
counter = 1


def bump():
    global counter
    counter += 1


bump()
print(counter)
