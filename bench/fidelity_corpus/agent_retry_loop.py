# ruff: noqa: B007
attempts = {"count": 0}


def flaky(threshold=3):
    attempts["count"] += 1
    if attempts["count"] < threshold:
        raise ConnectionError(f"attempt {attempts['count']} failed")
    return "success"


def with_retry(fn, tries=5):
    errors = []
    for i in range(1, tries + 1):
        try:
            return fn(), errors
        except ConnectionError as exc:
            errors.append(str(exc))
    raise RuntimeError(f"gave up after {tries} tries: {errors}")


print(with_retry(flaky))
attempts["count"] = 0
try:
    with_retry(lambda: flaky(10), tries=2)
except RuntimeError as exc:
    print("RuntimeError:", exc)
