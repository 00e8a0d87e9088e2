def averager():
    total = count = 0
    average = None
    while True:
        value = yield average
        if value is None:
            return {"count": count, "average": average}
        total += value
        count += 1
        average = total / count


avg = averager()
next(avg)
print(avg.send(10), avg.send(20), avg.send(60))
try:
    avg.send(None)
except StopIteration as stop:
    print("result:", stop.value)


def delegate():
    result = yield from averager()
    yield f"got {result}"


d = delegate()
next(d)
d.send(4)
print(d.send(None))
