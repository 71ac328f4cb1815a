# Seed 002, "handle cancellation intentionally": how to cancel a task. cancel(msg) is a request that returns at
# once; the task sees it at its next await, runs its clean-up (0.2 s here) and ends cancelled; awaiting it
# raises CancelledError carrying the message. Not code in the tutorial.
import asyncio


async def download(name):
    print(f"{name}: started")
    try:
        await asyncio.sleep(10)
        print(f"{name}: finished")
    finally:
        print(f"{name}: cleaning up")
        await asyncio.sleep(0.2)
        print(f"{name}: cleaned up")


async def main():
    task = asyncio.create_task(download("download"), name="download")
    await asyncio.sleep(1)
    print(f"cancel('user pressed stop') -> {task.cancel('user pressed stop')}")
    print(f"done() right after cancel(): {task.done()}")
    try:
        await task
    except asyncio.CancelledError as e:
        print(f"awaiting it raised {e!r}")
    print(f"done(): {task.done()}, cancelled(): {task.cancelled()}")
    try:
        task.result()
    except asyncio.CancelledError as e:
        print(f"result() raised {e!r}")
    print(f"cancel() again -> {task.cancel()}")


asyncio.run(main())
