# Seed 002, "When asyncio Helps and When It Does Not": CPU-heavy work inside a task blocks the loop (every timer
# fires late); asyncio.to_thread moves it off the loop. Real time: the numbers vary from run to run, so
# check:python does not compare this script; the TypeScript twin is examples/src/31-blocking-the-loop.ts.
import asyncio
import threading
import time

TICKS, PERIOD, WORK, LATE = 10, 0.1, 0.8, 0.2


def crunch(seconds):
    end = time.monotonic() + seconds
    x = 2463534242
    while time.monotonic() < end:
        for _ in range(10_000):
            x ^= (x << 13) & 0xFFFFFFFF
            x ^= x >> 17
            x ^= (x << 5) & 0xFFFFFFFF
    return x, threading.get_ident() != threading.main_thread().ident


async def ticker():
    start = time.monotonic()
    fired = []
    for i in range(1, TICKS + 1):
        await asyncio.sleep(max(0, start + i * PERIOD - time.monotonic()))
        fired.append(time.monotonic() - start)
    return fired


async def part(title, compute):
    print(title)
    ticks = asyncio.create_task(ticker())
    await asyncio.sleep(PERIOD / 2)
    _, in_thread = await compute()
    print("  crunched in a worker thread" if in_thread else "  crunched on the event loop's thread")
    fired = await ticks
    worst = max(at - (i + 1) * PERIOD for i, at in enumerate(fired))
    print("  ticks at (s): " + " ".join(f"{at:.2f}" for at in fired))
    verdict = "LATE, no timer fired while the loop was computing" if worst >= LATE else "on time, the loop stayed free"
    print(f"  ticks late by up to {worst:.2f} s: {verdict}")


async def on_the_loop():
    return crunch(WORK)


async def main():
    await part(f"Part 1: crunch({WORK}) inside a task, next to a ticker that should tick every {PERIOD} s", on_the_loop)
    await part(f"Part 2: the same crunch({WORK}) through to_thread", lambda: asyncio.to_thread(crunch, WORK))


asyncio.run(main())
