# Seed 002, "Error Handling and Cancellation": "If one task fails, gather() will raise unless you ask for
# returned exceptions. That behavior is often correct, but you should choose it deliberately." The tutorial
# shows no code for it; this script shows both choices, and that the failing gather cancels nothing.
import asyncio
import time


async def fetch(name, delay, fail=False):
    await asyncio.sleep(delay)
    if fail:
        raise ConnectionError(f"{name} refused")
    print(f"  {name} finished")
    return f"{name} ok"


JOBS = [("users", 2, False), ("orders", 1, True), ("stock", 3, False)]


async def main():
    start = time.time()
    print("gather() raises the first error:")
    tasks = [asyncio.create_task(fetch(name, delay, fail)) for name, delay, fail in JOBS]
    try:
        await asyncio.gather(*tasks)
    except ConnectionError as e:
        print(f"  gather raised ({time.time()-start:.1f}s): {e!r}")
        print(f"  still running: {[name for (name, _, _), t in zip(JOBS, tasks) if not t.done()]}")
    await asyncio.wait(tasks)
    print(f"  the others finished anyway ({time.time()-start:.1f}s)")

    start = time.time()
    print("gather(return_exceptions=True) collects results and errors:")
    results = await asyncio.gather(*[fetch(name, delay, fail) for name, delay, fail in JOBS],
                                   return_exceptions=True)
    for (name, _, _), result in zip(JOBS, results):
        if isinstance(result, Exception):
            print(f"  {name}: failed with {result!r}")
        else:
            print(f"  {name}: {result!r}")
    print(f"  ({time.time()-start:.1f}s)")


asyncio.run(main())
