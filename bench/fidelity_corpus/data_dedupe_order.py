emails = ["b@x.org", "a@x.org", "b@x.org", "c@x.org", "a@x.org"]
print(list(dict.fromkeys(emails)))
seen = set()
unique = []
for e in emails:
    if e not in seen:
        seen.add(e)
        unique.append(e)
print(unique == list(dict.fromkeys(emails)))
print(sorted(set(emails)))
print(len(emails) - len(seen), "duplicates")
