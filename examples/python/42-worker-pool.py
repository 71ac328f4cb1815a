# A worker pool over a queue (seed 002's advice for real services: a fixed number of workers instead of "unbounded
# numbers of tasks against external systems"; the tutorial shows no code). Ten jobs of different lengths wait in a
# queue; three workers take one job at a time, the next free worker taking the next job. The jobs add up to 9.0 s
# of work; three workers finish them in 3.4 s. main waits with join(), then shutdown() ends the workers' loops.
import asyncio
import sys
import time

# Queue.shutdown() and QueueShutDown are new in Python 3.13. On 3.11 and 3.12 this script emulates them with one
# sentinel per worker, which ends the workers at the same moment and prints the same lines.
if sys.version_info >= (3, 13):
    QueueShutDown = asyncio.QueueShutDown

    def shutdown(queue, workers):
        queue.shutdown()

    async def get(queue):
        return await queue.get()
else:
    class QueueShutDown(Exception):
        pass

    STOP = object()

    def shutdown(queue, workers):
        for _ in workers:
            queue.put_nowait(STOP)

    async def get(queue):
        item = await queue.get()
        if item is STOP:
            queue.task_done()
            raise QueueShutDown
        return item


DURATIONS = [1.2, 0.8, 1.0, 0.9, 0.4, 1.2, 0.5, 0.5, 1.3, 1.2]
start = time.time()


def elapsed():
    return time.time() - start


async def worker(name, queue, results, done_by):
    while True:
        try:
            n, seconds = await get(queue)
        except QueueShutDown:
            return
        try:
            began = elapsed()
            await asyncio.sleep(seconds)
            results[n] = n * n
            done_by[name] += 1
            print(f"{elapsed():.1f}s {name}: job-{n} -> {results[n]} (started at {began:.1f}s)")
        finally:
            queue.task_done()


async def main():
    global start
    start = time.time()
    queue = asyncio.Queue()
    for n, seconds in enumerate(DURATIONS, 1):
        queue.put_nowait((n, seconds))
    results = {}
    done_by = {f"worker-{i}": 0 for i in (1, 2, 3)}
    workers = [asyncio.create_task(worker(name, queue, results, done_by), name=name) for name in done_by]
    await queue.join()
    shutdown(queue, workers)
    await asyncio.gather(*workers)
    print(f"results: {[results[n] for n in sorted(results)]}")
    print(f"jobs per worker: {done_by}")
    print(f"{sum(DURATIONS):.1f}s of work, {len(workers)} workers: {elapsed():.1f}s")


asyncio.run(main())
