from itertools import islice


def chunks(iterable, size):
    it = iter(iterable)
    while batch := list(islice(it, size)):
        yield batch


print(list(chunks(range(10), 4)))
print(list(chunks("abc", 5)))
print(list(chunks([], 3)))
ids = list(range(1, 8))
pages = [ids[i : i + 3] for i in range(0, len(ids), 3)]
print(pages)
