prices = {"apple": 1.2, "pear": 0.9}
order = ["apple", "pear", "kiwi"]
total = 0.0
for fruit in order:
    print("adding", fruit)
    total += prices[fruit]
print(total)
