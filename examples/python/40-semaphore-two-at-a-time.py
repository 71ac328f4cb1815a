# Seed 002, "Limiting Concurrency": "A semaphore gives you a simple concurrency cap. … Only two jobs run inside
# the semaphore at a time." The seed's code block did not survive; this is the pattern it describes: six jobs
# started together through Semaphore(2). Each job prints how many jobs are inside when it starts — never more
# than two — and a queued job starts the moment a running one ends (a sliding window, not batches of two). The
# jobs add up to 5.5 s of work; two at a time they take 3.0 s.
import asyncio
import time

DURATIONS = [1.0, 0.5, 1.0, 1.5, 0.7, 0.8]
inside = 0
most_inside = 0


async def job(sem, n, seconds):
    global inside, most_inside
    async with sem:
        inside += 1
        most_inside = max(most_inside, inside)
        print(f"job {n} starts ({inside} inside)")
        await asyncio.sleep(seconds)
        inside -= 1
        print(f"job {n} ends after {seconds}s")
    return n


async def main():
    sem = asyncio.Semaphore(2)
    start = time.time()
    results = await asyncio.gather(*(job(sem, n, s) for n, s in enumerate(DURATIONS, 1)))
    print(f"results: {results}")
    print(f"{sum(DURATIONS)}s of work, at most {most_inside} at a time: {time.time() - start:.1f}s")


asyncio.run(main())
