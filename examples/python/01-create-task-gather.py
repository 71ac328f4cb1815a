# Seed 000, "Syntax": create_task() + gather(). Verbatim from the tutorial.
import asyncio


async def my_task(name, seconds):
    await asyncio.sleep(seconds)
    return f'Task {name} done after {seconds} seconds'


async def main():
    task1 = asyncio.create_task(my_task('A', 2))
    task2 = asyncio.create_task(my_task('B', 1))
    results = await asyncio.gather(task1, task2)
    print(results)


asyncio.run(main())
