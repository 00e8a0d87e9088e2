memo = {}


def fib(n):
    if n in memo:
        return memo[n]
    result = n if n < 2 else fib(n - 1) + fib(n - 2)
    memo[n] = result
    return result


print(fib(90), len(memo))


def hanoi(n, src, dst, via, moves):
    if n:
        hanoi(n - 1, src, via, dst, moves)
        moves.append((src, dst))
        hanoi(n - 1, via, dst, src, moves)
    return moves


print(len(hanoi(10, "a", "c", "b", [])), hanoi(2, "a", "c", "b", []))


def permutations(items):
    if len(items) <= 1:
        return [items]
    return [[x, *p] for i, x in enumerate(items) for p in permutations(items[:i] + items[i + 1 :])]


print(permutations([1, 2, 3]))
