from datetime import date, timedelta

start = date(2024, 2, 26)
days = [start + timedelta(days=i) for i in range(6)]
print([d.isoformat() for d in days])
print([d.strftime("%a %d %b") for d in days])
weekdays = [d for d in days if d.weekday() < 5]
print(len(weekdays), "weekdays; leap day included:", date(2024, 2, 29) in days)
print((date(2024, 12, 25) - start).days, "days to go")
print(start.replace(day=1), start.isocalendar())
