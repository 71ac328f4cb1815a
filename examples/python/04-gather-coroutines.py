# Seed 000, "Common Pitfalls", second pitfall: passing coroutines straight to gather() "works but does not
# start tasks immediately". Not code in the tutorial; this script shows the claim.
import asyncio
import time


async def slow_task(name):
    print(f'{name} started')
    await asyncio.sleep(2)
    return f'{name} done'


async def main():
    start = time.time()
    print('Coroutines passed to gather():')
    coros = [slow_task('Task1'), slow_task('Task2')]  # nothing runs yet
    await asyncio.sleep(1)  # other work
    print(await asyncio.gather(*coros))
    print(f'(took {time.time() - start:.1f}s: the coroutines only started when gather() ran)')

    start = time.time()
    print('Tasks passed to gather():')
    tasks = [asyncio.create_task(slow_task('Task1')), asyncio.create_task(slow_task('Task2'))]
    await asyncio.sleep(1)  # the same other work
    print(await asyncio.gather(*tasks))
    print(f'(took {time.time() - start:.1f}s: the tasks ran during the other work)')


asyncio.run(main())
