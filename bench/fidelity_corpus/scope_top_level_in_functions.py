TAX_RATE = 0.25
CURRENCY = "EUR"
rates = {"EUR": 1.0, "USD": 1.1}


def price_with_tax(amount):
    return round(amount * (1 + TAX_RATE), 2)


def fmt(amount):
    return f"{price_with_tax(amount):.2f} {CURRENCY}"


print(fmt(10))
TAX_RATE = 0.1
CURRENCY = "USD"
print(fmt(10))
rates["GBP"] = 0.85
print(sorted(rates), len(rates))


def uses_helper_defined_later(x):
    return helper(x) * 2


def helper(x):
    return x + 1


print(uses_helper_defined_later(3))
