# Seed 000, "Example": three tasks start together and finish in order of their delays. Verbatim.
import asyncio


async def fetch_data(name, delay):
    print(f'Starting {name}')
    await asyncio.sleep(delay)
    print(f'Finished {name}')
    return f'{name} result'


async def main():
    task1 = asyncio.create_task(fetch_data('Task1', 3))
    task2 = asyncio.create_task(fetch_data('Task2', 1))
    task3 = asyncio.create_task(fetch_data('Task3', 2))
    results = await asyncio.gather(task1, task2, task3)
    print('All tasks completed:', results)


asyncio.run(main())
