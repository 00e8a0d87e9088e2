payload = {
    "user": {"profile": {"name": "Ada", "langs": ["en", "fr"]}, "id": 7},
    "meta": None,
}
print(payload.get("user", {}).get("profile", {}).get("name"))
print(payload.get("missing", {}).get("x", "default"))
print((payload.get("meta") or {}).get("page", 1))
print(payload["user"]["profile"]["langs"][-1])


def dig(data, *keys, default=None):
    for key in keys:
        try:
            data = data[key]
        except (KeyError, IndexError, TypeError):
            return default
    return data


print(dig(payload, "user", "profile", "langs", 0), dig(payload, "meta", "x", default="?"))
