import statistics

data = [2.5, 3.1, 4.7, 4.7, 5.0, 6.2, 9.9]
print(statistics.mean(data))
print(statistics.median(data), statistics.mode(data))
print(round(statistics.stdev(data), 6), round(statistics.pvariance(data), 6))
print(statistics.quantiles(data, n=4))
print(statistics.fmean([1, 2, 3]), statistics.harmonic_mean([40, 60]))
try:
    statistics.mean([])
except statistics.StatisticsError as exc:
    print("StatisticsError:", exc)
