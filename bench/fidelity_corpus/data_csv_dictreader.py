import csv
import io

raw = """name,age,city
Ada,36,London
Linus,28,Helsinki
Grace,45,"New York, NY"
"""
rows = list(csv.DictReader(io.StringIO(raw)))
for row in rows:
    print(row["name"], int(row["age"]) + 1, row["city"])
print(rows[2])
ages = [int(r["age"]) for r in rows]
print("mean age", sum(ages) / len(ages))
