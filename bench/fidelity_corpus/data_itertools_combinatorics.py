import itertools

print(list(itertools.combinations("abcd", 2)))
print(len(list(itertools.permutations(range(4), 3))))
print(list(itertools.product([0, 1], repeat=2)))
print(list(itertools.accumulate([1, 2, 3, 4], lambda a, b: a * b)))
print(list(itertools.islice(itertools.cycle("xy"), 5)))
print(list(itertools.chain.from_iterable([[1], [2, 3], []])))
print(list(itertools.compress("abcdef", [1, 0, 1, 0, 1, 1])))
print(list(itertools.pairwise([1, 4, 9, 16])))
print(list(itertools.starmap(pow, [(2, 5), (3, 2)])))
print(list(itertools.takewhile(lambda x: x < 5, [1, 4, 6, 2])))
