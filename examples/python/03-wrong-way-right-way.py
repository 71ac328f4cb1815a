# Seed 000, "Common Pitfalls": awaiting one by one (sequential) vs tasks + gather (concurrent).
# The tutorial's code, plus the two "(... took N s)" lines, which it does not print.
import asyncio
import time


async def slow_task(name):
    await asyncio.sleep(2)
    return f'{name} done'


async def wrong_way():
    # This runs tasks one after another, not concurrently
    result1 = await slow_task('Task1')
    result2 = await slow_task('Task2')
    print(result1, result2)


async def right_way():
    # This runs tasks concurrently
    task1 = asyncio.create_task(slow_task('Task1'))
    task2 = asyncio.create_task(slow_task('Task2'))
    results = await asyncio.gather(task1, task2)
    print(results)


async def main():
    start = time.time()
    print('Wrong way:')
    await wrong_way()
    print(f'(wrong way took {time.time() - start:.1f}s)')
    start = time.time()
    print('Right way:')
    await right_way()
    print(f'(right way took {time.time() - start:.1f}s)')


asyncio.run(main())
