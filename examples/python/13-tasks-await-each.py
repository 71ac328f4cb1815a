# SuperFastPython.com
# example of concurrent coroutines as tasks and wait manually
# Seed 003, "Example of Concurrent Tasks and Wait Manually". Verbatim.
import asyncio

# coroutine to run concurrently
async def work(value):
    # suspend a moment
    await asyncio.sleep(1)
    # report a message
    print(f'>Task {value} done')

# main coroutine
async def main():
    # issue coroutines as background tasks
    tasks = [asyncio.create_task(work(i)) for i in range(20)]
    # wait for tasks to complete, manually
    for task in tasks:
        await task
    # report a final message
    print('Done.')

# start the event loop
asyncio.run(main())
