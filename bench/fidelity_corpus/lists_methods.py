# ruff: noqa: RUF005
nums = [5, 3, 8, 1]
nums.append(9)
nums.extend([2, 2])
nums.insert(0, 7)
print(nums, nums.count(2), nums.index(8))
nums.sort()
print(nums, nums[::-1], nums[1:-1:2])
nums[1:3] = ["a", "b", "c"]
print(nums)
del nums[::2]
print(nums, nums.pop(), nums.pop(0), nums)
pairs = [("b", 2), ("a", 2), ("c", 1)]
print(sorted(pairs, key=lambda p: p[1]))
copy = pairs.copy()
copy.clear()
print(pairs, copy, [0] * 3, [[]] * 2, [1, 2] + [3], list(reversed("abc")))
grid = [[0] * 2 for _ in range(2)]
grid[0][0] = 1
alias = [[0] * 2] * 2
alias[0][0] = 1
print(grid, alias)
