# Seed 004, "Method 1: asyncio.gather() - wait for all, ordered results". Verbatim.
import asyncio
import time


async def fetch_data(source, delay):
    await asyncio.sleep(delay)
    return f"Data from {source}"


async def gather_example():
    start = time.time()
    results = await asyncio.gather(
        fetch_data("API", 2),
        fetch_data("DB", 1),
        fetch_data("Cache", 0.5)
    )
    print(f"Gather ({time.time()-start:.1f}s): {results}")
    # Output: ['Data from API', 'Data from DB', 'Data from Cache']


asyncio.run(gather_example())
