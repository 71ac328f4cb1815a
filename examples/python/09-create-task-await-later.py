# Seed 004, "Method 3: create_task() - start early, await later". Verbatim.
import asyncio
import time


async def fetch_data(source, delay):
    await asyncio.sleep(delay)
    return f"Data from {source}"


async def create_task_example():
    start = time.time()
    # Start all tasks immediately
    task1 = asyncio.create_task(fetch_data("API", 2))
    task2 = asyncio.create_task(fetch_data("DB", 1))
    task3 = asyncio.create_task(fetch_data("Cache", 0.5))

    # Do other work while tasks run
    await asyncio.sleep(0.3)
    print("Did some work while tasks run...")

    # Collect results
    result1 = await task1
    result2 = await task2
    result3 = await task3
    print(f"Results: {[result1, result2, result3]}")


asyncio.run(create_task_example())
