import statistics

hours = [1, 2, 3, 4, 5, 6]
scores = [52, 55, 61, 64, 70, 71]
print(round(statistics.correlation(hours, scores), 6))
slope, intercept = statistics.linear_regression(hours, scores)
print(round(slope, 6), round(intercept, 6))
print(round(statistics.covariance(hours, scores), 6), statistics.median_grouped([1, 2, 2, 3]))
print(statistics.multimode("aabbbccddd"), statistics.NormalDist(100, 15).cdf(115) > 0.84)
