from datetime import datetime, timezone
from zoneinfo import ZoneInfo

meeting = datetime(2024, 7, 1, 15, 0, tzinfo=ZoneInfo("Europe/Oslo"))
for tz in ["UTC", "America/New_York", "Asia/Tokyo"]:
    local = meeting.astimezone(ZoneInfo(tz))
    print(f"{tz:<18} {local:%Y-%m-%d %H:%M %Z} {local.utcoffset()}")
print(meeting.astimezone(timezone.utc).isoformat(), meeting.tzname(), meeting.dst())
