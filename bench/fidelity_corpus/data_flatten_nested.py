def flatten(items):
    for item in items:
        if isinstance(item, (list, tuple)):
            yield from flatten(item)
        else:
            yield item


nested = [1, [2, [3, [4, (5, 6)]]], [], "seven", [[8]]]
print(list(flatten(nested)))
print(sum(x for x in flatten(nested) if isinstance(x, int)))
matrix = [[1, 2], [3, 4], [5, 6]]
print([x for row in matrix for x in row])
