# Seed 002, "Error Handling and Cancellation": "If ... a program is shutting down, unbounded background tasks can
# leak work or keep resources open longer than expected." Two background workers hold a connection each; main
# returns while they are still running, and asyncio.run() cancels them. The leaky worker has no clean-up code,
# so its connection stays open; the careful one closes it in `finally` (closing takes 0.1 s per worker number),
# and asyncio.run() waits for that. Not code in the tutorial.
import asyncio

open_connections = set()


async def leaky_worker(name, number):
    open_connections.add(name)
    print(f"  {name}: connection opened")
    while True:
        await asyncio.sleep(1)
        print(f"  {name}: heartbeat")


async def careful_worker(name, number):
    open_connections.add(name)
    print(f"  {name}: connection opened")
    try:
        while True:
            await asyncio.sleep(1)
            print(f"  {name}: heartbeat")
    finally:
        await asyncio.sleep(0.1 * number)
        open_connections.discard(name)
        print(f"  {name}: connection closed")


async def service(worker):
    tasks = [asyncio.create_task(worker(f"worker-{n}", n), name=f"worker-{n}") for n in (1, 2)]
    await asyncio.sleep(1.5)
    print("  main returns, leaving its workers running")
    return tasks


for worker in (leaky_worker, careful_worker):
    print(f"{worker.__name__}:")
    tasks = asyncio.run(service(worker))
    print(f"  after the loop ended: open connections {sorted(open_connections)}")
    for task in tasks:
        print(f"  {task.get_name()}: cancelled={task.cancelled()}")
    open_connections.clear()
