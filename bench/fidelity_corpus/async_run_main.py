import asyncio


async def main():
    values = await asyncio.gather(*(asyncio.sleep(0, result=i) for i in range(3)))
    print("values", values)
    return sum(values)


if __name__ == "__main__":
    print("result", asyncio.run(main()))
