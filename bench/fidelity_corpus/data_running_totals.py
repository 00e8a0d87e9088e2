from itertools import accumulate

deposits = [100, -20, 35, -50, 10]
balance = list(accumulate(deposits, initial=0))
print(balance)
print(list(accumulate(deposits, max)))
low = min(range(len(balance)), key=balance.__getitem__)
print("lowest after step", low, "=", balance[low])
window = 3
averages = [sum(deposits[i : i + window]) / window for i in range(len(deposits) - window + 1)]
print([round(a, 2) for a in averages])
