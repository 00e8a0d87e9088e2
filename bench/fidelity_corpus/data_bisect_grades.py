import bisect


def grade(score, breakpoints=(60, 70, 80, 90), grades="FDCBA"):
    return grades[bisect.bisect(breakpoints, score)]


print([grade(s) for s in [33, 99, 77, 70, 89, 90, 100]])
ordered = [1, 3, 3, 5, 8]
bisect.insort(ordered, 4)
print(ordered, bisect.bisect_left(ordered, 3), bisect.bisect_right(ordered, 3))
