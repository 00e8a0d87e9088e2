def send(to, subject, body):
    return f"to={to} subject={subject} body={len(body)}"


print(send("a@x", "hi", "..."))
print(send("b@x", subject="hello"))
