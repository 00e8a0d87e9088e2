from datetime import datetime, timedelta, timezone

stamp = datetime.strptime("2024-03-10 14:05:09", "%Y-%m-%d %H:%M:%S")
print(stamp, repr(stamp))
print(stamp.isoformat(), stamp.strftime("%d/%m/%Y %I:%M %p"))
aware = datetime.fromisoformat("2024-03-10T14:05:09+02:00")
print(aware.tzinfo, aware.astimezone(timezone.utc))
print(aware.utcoffset(), timedelta(hours=36, minutes=5))
try:
    datetime.strptime("2024-13-01", "%Y-%m-%d")
except ValueError as exc:
    print("ValueError:", exc)
print(datetime(2024, 1, 31) + timedelta(days=1) > stamp)
