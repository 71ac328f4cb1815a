# Seed 002, "Error Handling and Cancellation": "For new Python versions, TaskGroup is often cleaner for
# structured concurrency". The jobs of 17-gather-errors.py in a TaskGroup: the first failure cancels the other
# tasks at once, and the group raises an ExceptionGroup, handled with except*. Not code in the tutorial.
import asyncio
import time


async def fetch(name, delay, fail=False):
    try:
        await asyncio.sleep(delay)
    except asyncio.CancelledError:
        print(f"  {name} cancelled")
        raise
    if fail:
        raise ConnectionError(f"{name} refused")
    print(f"  {name} finished")
    return f"{name} ok"


JOBS = [("users", 2, False), ("orders", 1, True), ("stock", 3, False)]


async def main():
    start = time.time()
    tasks = []
    try:
        async with asyncio.TaskGroup() as tg:
            for name, delay, fail in JOBS:
                tasks.append(tg.create_task(fetch(name, delay, fail), name=name))
    except* ConnectionError as eg:
        print(f"TaskGroup raised ({time.time()-start:.1f}s): {eg}")
        for error in eg.exceptions:
            # Python's ExceptionGroup does not say which task raised what: look it up.
            task = next(t for t in tasks if not t.cancelled() and t.exception() is error)
            print(f"  {task.get_name()}: {error!r}")
    for task in tasks:
        print(f"{task.get_name()}: cancelled={task.cancelled()}")


asyncio.run(main())
