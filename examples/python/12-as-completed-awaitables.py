# Seed 004, gotcha: "as_completed() yields coroutines, not results - you must await each one". Not code in the
# tutorial; this script shows the claim, then the Python 3.13 form that yields the original tasks.
import asyncio
import inspect
import sys
import time


async def fetch_data(source, delay):
    await asyncio.sleep(delay)
    return f"Data from {source}"


async def main():
    start = time.time()
    coros = [fetch_data("API", 2), fetch_data("DB", 1), fetch_data("Cache", 0.5)]
    for coro in asyncio.as_completed(coros):
        print(f"as_completed gave {'an awaitable' if inspect.isawaitable(coro) else 'a result'}")
        result = await coro
        print(f"  awaited it ({time.time()-start:.1f}s): {result}")

    start = time.time()
    tasks = [asyncio.create_task(fetch_data(name, delay), name=name) for name, delay in
             [("API", 2), ("DB", 1), ("Cache", 0.5)]]
    if sys.version_info >= (3, 13):
        async for task in asyncio.as_completed(tasks):
            print(f"{task.get_name()} task done ({time.time()-start:.1f}s): {task.result()}")
    else:  # the same output before Python 3.13, which has no `async for` over as_completed()
        pending = set(tasks)
        while pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                print(f"{task.get_name()} task done ({time.time()-start:.1f}s): {task.result()}")


asyncio.run(main())
