import calendar

print(calendar.month(2024, 2))
print(calendar.isleap(2024), calendar.monthrange(2023, 2), calendar.weekday(2024, 1, 1))
print(calendar.day_name[0], list(calendar.month_abbr)[1:4])
print(calendar.Calendar(firstweekday=6).monthdayscalendar(2024, 3)[0])
