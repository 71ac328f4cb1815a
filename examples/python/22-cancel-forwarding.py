# Seed 002, "handle cancellation intentionally": where a cancellation travels. (1) A task cancelled while it
# awaits another task cancels that task too (with the same message) and ends only after it. (2) A failing task
# in a TaskGroup cancels its siblings, and a sibling forwards that cancellation to the task it awaits. Not code
# in the tutorial.
import asyncio


async def child(name, delay=10):
    try:
        await asyncio.sleep(delay)
    finally:
        print(f"  {name}: cleaning up")
        await asyncio.sleep(0.2)
        print(f"  {name}: cleaned up")


async def parent(name, task):
    try:
        await task
    finally:
        print(f"  {name}: finally")


async def fail_after(delay):
    await asyncio.sleep(delay)
    raise ValueError("bad record")


async def main():
    print("1. cancelling a task cancels the task it awaits:")
    download = asyncio.create_task(child("download"), name="download")
    job = asyncio.create_task(parent("job", download), name="job")
    await asyncio.sleep(1)
    job.cancel("stop")
    try:
        await job
    except asyncio.CancelledError as e:
        print(f"  awaiting job raised {e!r}")
    for task in (job, download):
        print(f"  {task.get_name()}: cancelled={task.cancelled()}")

    print("2. a failure in a TaskGroup cancels the siblings, and what they await:")
    download = asyncio.create_task(child("download"), name="download")
    try:
        async with asyncio.TaskGroup() as tg:
            tg.create_task(fail_after(0.5), name="fetch")
            job = tg.create_task(parent("job", download), name="job")
    except* ValueError as eg:
        for error in eg.exceptions:
            print(f"  TaskGroup raised {error!r}")
    for task in (job, download):
        print(f"  {task.get_name()}: cancelled={task.cancelled()}")


asyncio.run(main())
