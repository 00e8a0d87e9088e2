"""Watch a run live: every tool call, result and printed line as an event."""

import asyncio

from codemode_skills import create_code_mode, tool


@tool
async def slow_square(x: int) -> int:
    """Square a number, slowly."""
    await asyncio.sleep(0.05)
    return x * x


async def main() -> None:
    async with create_code_mode([slow_square]) as cm:

        async def watch() -> None:
            async for event in cm.events.stream():
                print(f"{event.type:32} {event.data}")

        watcher = asyncio.create_task(watch())
        await asyncio.sleep(0)
        result = await cm.execute(
            "import asyncio\n"
            "squares = await asyncio.gather(*(tools.slow_square(x=i) for i in range(3)))\n"
            "print('sum', sum(squares))\n"
            "return squares"
        )
        cm.events.close()
        await watcher
        print("result:", result.result)


if __name__ == "__main__":
    asyncio.run(main())
