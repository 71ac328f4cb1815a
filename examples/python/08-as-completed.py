# Seed 004, "Method 2: asyncio.as_completed() - process as they finish". Verbatim.
import asyncio
import time


async def fetch_data(source, delay):
    await asyncio.sleep(delay)
    return f"Data from {source}"


async def as_completed_example():
    start = time.time()
    tasks = [
        fetch_data("API", 2),
        fetch_data("DB", 1),
        fetch_data("Cache", 0.5)
    ]

    for coro in asyncio.as_completed(tasks):
        result = await coro
        elapsed = time.time() - start
        print(f"Completed ({elapsed:.1f}s): {result}")
    # Cache finishes first, then DB, then API


asyncio.run(as_completed_example())
