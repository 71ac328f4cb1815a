# Seed 002, "Common Pitfalls": time.sleep() inside coroutines blocks every task; await asyncio.sleep() lets them
# interleave. Real time: check:python does not compare this script (the printed durations vary slightly); the
# TypeScript twin is examples/src/32-blocking-sleep.ts.
import asyncio
import time

PAUSE = 0.2


async def blocking_sleep(seconds):
    time.sleep(seconds)


async def busy_wait(seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


async def worker(name, pause):
    for step in range(1, 4):
        await pause(PAUSE)
        print(f"  {name}: step {step}")


async def part(title, pause, verdict):
    print(title)
    start = time.monotonic()
    await asyncio.gather(worker("A", pause), worker("B", pause))
    print(f"  took {time.monotonic() - start:.1f} s: {verdict}")


async def main():
    await part(f"Part 1: tasks A and B each pause 3 × {PAUSE} s with a blocking sleep (time.sleep)", blocking_sleep,
               "one after the other, the loop could not switch")
    await part("Part 2: the same with a busy-wait loop", busy_wait,
               "one after the other, and a CPU core at 100 % meanwhile")
    await part(f"Part 3: the same with asyncio.sleep({PAUSE})", asyncio.sleep, "each sleep let the other task run")


asyncio.run(main())
