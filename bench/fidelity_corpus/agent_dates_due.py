from datetime import date, timedelta

today = date(2024, 5, 15)
tasks = [
    ("report", "2024-05-14"),
    ("review", "2024-05-15"),
    ("ship", "2024-05-20"),
    ("plan", "2024-06-01"),
]
for name, due_text in tasks:
    due = date.fromisoformat(due_text)
    delta = (due - today).days
    status = "overdue" if delta < 0 else "today" if delta == 0 else f"in {delta} days"
    print(f"{name:<7} {due:%a %d %b} {status}")
next_week = [n for n, d in tasks if today <= date.fromisoformat(d) <= today + timedelta(days=7)]
print(next_week)
