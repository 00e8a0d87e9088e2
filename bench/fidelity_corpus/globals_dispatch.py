def handle_add(a, b):
    return a + b


def handle_mul(a, b):
    return a * b


for op in ["add", "mul"]:
    handler = globals()[f"handle_{op}"]
    print(op, handler(3, 4))
print("handle_sub" in globals())
