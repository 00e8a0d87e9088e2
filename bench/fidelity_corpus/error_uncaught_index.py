rows = [["a", 1], ["b", 2], ["c"]]
for row in rows:
    print(row[0], row[1])
