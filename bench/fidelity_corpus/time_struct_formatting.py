import time

t = time.gmtime(86400 * 365)
print(t.tm_year, t.tm_yday, t.tm_wday, tuple(t)[:6])
print(time.strftime("%Y-%m-%d %H:%M:%S", t), time.asctime(t))
print(time.strptime("2024-03-05", "%Y-%m-%d").tm_yday)
start = time.perf_counter()
elapsed = time.perf_counter() - start
print(elapsed >= 0, isinstance(time.time(), float), isinstance(time.monotonic_ns(), int))
