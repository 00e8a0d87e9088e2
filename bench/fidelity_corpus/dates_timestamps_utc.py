from datetime import datetime, timezone

epoch = datetime.fromtimestamp(0, tz=timezone.utc)
print(epoch, epoch.timestamp())
moment = datetime(2021, 6, 1, 8, 0, tzinfo=timezone.utc)
print(int(moment.timestamp()), moment.strftime("%j %U %A"))
print(datetime.fromtimestamp(1700000000, tz=timezone.utc).isoformat())
print(sorted([datetime(2020, 5, 1), datetime(2019, 1, 1)])[0].year)
