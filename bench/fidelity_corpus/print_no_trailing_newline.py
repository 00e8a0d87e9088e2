for i in range(3):
    print(i, end=" ")
print("|", end="")
print("tail without newline", end="")
