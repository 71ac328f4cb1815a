# Seed 001, "asyncio.gather() for Bundling Tasks". Verbatim.
import asyncio


async def task1():
    print('Task 1 running')
    await asyncio.sleep(1)
    return 'result 1'


async def task2():
    print('Task 2 running')
    await asyncio.sleep(2)
    return 'result 2'


async def main():
    results = await asyncio.gather(
        task1(),
        task2()
    )
    print(results)


asyncio.run(main())
