# SuperFastPython.com
# example of concurrent coroutines as tasks and wait via taskgroup
# Seed 003, "Example of Concurrent Tasks and Wait via TaskGroup". Verbatim.
import asyncio

# coroutine to run concurrently
async def work(value):
    # suspend a moment
    await asyncio.sleep(1)
    # report a message
    print(f'>Task {value} done')

# main coroutine
async def main():
    # create the task group
    async with asyncio.TaskGroup() as group:
        # issue coroutines as background tasks
        tasks = [group.create_task(work(i)) for i in range(20)]
    # wait for tasks to complete...
    # report a final message
    print('Done.')

# start the event loop
asyncio.run(main())
