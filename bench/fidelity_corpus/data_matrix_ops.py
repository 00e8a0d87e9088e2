# ruff: noqa: B905
matrix = [[1, 2, 3], [4, 5, 6]]
transposed = [list(row) for row in zip(*matrix)]
print(transposed)
identity = [[int(i == j) for j in range(3)] for i in range(3)]
print(identity)


def matmul(a, b):
    return [[sum(x * y for x, y in zip(row, col)) for col in zip(*b)] for row in a]


print(matmul(matrix, transposed))
print([sum(col) for col in zip(*matrix)], [max(row) for row in matrix])
