def validate(payload):
    errors = []
    if not isinstance(payload.get("email"), str) or "@" not in payload["email"]:
        errors.append("email: must contain @")
    age = payload.get("age")
    if not isinstance(age, int) or isinstance(age, bool):
        errors.append(f"age: expected int, got {type(age).__name__}")
    elif not 0 < age < 150:
        errors.append(f"age: {age} out of range")
    extra = sorted(set(payload) - {"email", "age"})
    if extra:
        errors.append(f"unexpected fields: {extra}")
    return errors


for p in [{"email": "a@b", "age": 3}, {"email": "nope", "age": True}, {"age": 200, "x": 1, "y": 2}]:
    print(validate(p) or "ok")
