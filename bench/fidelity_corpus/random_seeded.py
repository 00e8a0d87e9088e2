import random

random.seed(42)
print(random.random(), random.randint(1, 100), random.choice("abcdef"))
items = list(range(10))
random.shuffle(items)
print(items, random.sample(range(100), 5), round(random.uniform(1, 2), 6))
rng = random.Random(7)
print(rng.randrange(0, 50, 5), rng.choices(["x", "y", "z"], weights=[5, 1, 1], k=6))
print(round(rng.gauss(0, 1), 6), rng.getrandbits(16))
