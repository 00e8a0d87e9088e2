class ValidationError(ValueError):
    pass


def parse_amount(text):
    try:
        value = float(text)
    except ValueError:
        raise ValidationError(f"not a number: {text!r}") from None
    if value < 0:
        raise ValidationError(f"negative amount: {value}")
    return value


print([parse_amount(t) for t in ["1.5", "2"]])
print(parse_amount("-3"))
