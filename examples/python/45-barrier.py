# An asyncio.Barrier (Python 3.11): three hikers reach the summit at different times; each waits there until all
# three have arrived, then they go on together. wait() returns each one's arrival index (0 for the first); the
# last to arrive releases the others. Not code in the seeds; the primitive behind "coordinating their results
# safely" (seed 002, Introduction).
import asyncio


async def hiker(name, barrier, seconds):
    await asyncio.sleep(seconds)
    print(f"{name}: at the summit after {seconds}s ({barrier.n_waiting} waiting there)")
    index = await barrier.wait()
    print(f"{name}: going down, arrival index {index}")
    return index


async def main():
    barrier = asyncio.Barrier(3)
    print(f"Barrier(parties={barrier.parties})")
    indices = await asyncio.gather(hiker("Ann", barrier, 2.0), hiker("Bob", barrier, 1.0),
                                   hiker("Cy", barrier, 3.0))
    print(f"indices: {indices}; n_waiting: {barrier.n_waiting}; broken: {barrier.broken}")


asyncio.run(main())
