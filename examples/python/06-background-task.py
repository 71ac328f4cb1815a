# Seed 001, "asyncio.create_task() for Unblocked Execution", made runnable: the tutorial's
# `task1 = asyncio.create_task(task1())` raises UnboundLocalError (the assignment makes `task1` a local name),
# and it never defines do_other_work().
import asyncio


async def task1():
    print('Task 1 running')
    await asyncio.sleep(1)
    return 'result 1'


async def do_other_work():
    print('Doing other work')
    await asyncio.sleep(0.5)
    print('Other work done')


async def main():
    task = asyncio.create_task(task1())

    await do_other_work()

    result = await task
    print('Background task returned:', result)


asyncio.run(main())
