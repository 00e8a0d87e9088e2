class PaymentError(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code

    def __str__(self):
        return f"[{self.code}] {self.args[0]}"


def charge(amount):
    if amount > 100:
        raise PaymentError("E42", f"amount {amount} over limit")
    return "ok"


print(charge(50))
print(charge(500))
