def main():
    print("running main in", __name__)
    return 0


if __name__ == "__main__":
    code = main()
    print("exit code", code)
else:
    print("imported as", __name__)
