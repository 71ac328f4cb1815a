# Seed 004, gotcha: "Don't await in a loop without create_task() - `for x in items: await process(x)` runs
# sequentially. Use gather(...) for concurrency." Not code in the tutorial; this script shows the claim.
import asyncio
import time


async def fetch_data(source, delay):
    await asyncio.sleep(delay)
    return f"Data from {source}"


SOURCES = [("API", 2), ("DB", 1), ("Cache", 0.5)]


async def main():
    start = time.time()
    results = []
    for source, delay in SOURCES:
        results.append(await fetch_data(source, delay))
    print(f"await in a loop ({time.time()-start:.1f}s): {results}")

    start = time.time()
    results = await asyncio.gather(*[fetch_data(source, delay) for source, delay in SOURCES])
    print(f"gather ({time.time()-start:.1f}s): {results}")


asyncio.run(main())
