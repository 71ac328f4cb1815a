# A producer/consumer pipeline through a bounded queue (the "message consumers" of seed 002's "When asyncio
# Helps"; the tutorial shows no code). The producer puts six items into Queue(maxsize=2) as fast as it can and is
# held back whenever the queue is full; two consumers take items, process them, and call task_done(); the producer
# waits with join() until every item is processed, then shutdown() tells the consumers to stop: their get()
# raises QueueShutDown and they return how many items they handled.
import asyncio
import sys
import time

# Queue.shutdown() and QueueShutDown are new in Python 3.13. On 3.11 and 3.12 this script emulates them with one
# sentinel per consumer, which ends the consumers at the same moment and prints the same lines.
if sys.version_info >= (3, 13):
    QueueShutDown = asyncio.QueueShutDown

    def shutdown(queue, consumers):
        queue.shutdown()

    async def get(queue):
        return await queue.get()
else:
    class QueueShutDown(Exception):
        pass

    STOP = object()

    def shutdown(queue, consumers):
        for _ in consumers:
            queue.put_nowait(STOP)

    async def get(queue):
        item = await queue.get()
        if item is STOP:
            queue.task_done()
            raise QueueShutDown
        return item


ITEMS = [("item-1", 1.0), ("item-2", 1.4), ("item-3", 0.8), ("item-4", 1.2), ("item-5", 0.6), ("item-6", 1.0)]
start = time.time()


def log(text):
    print(f"{time.time() - start:.1f}s {text}")


async def producer(queue):
    for item, seconds in ITEMS:
        if queue.full():
            log(f"producer: queue full, waiting to put {item}")
        await queue.put((item, seconds))
        log(f"producer: put {item} (qsize {queue.qsize()})")
    log("producer: all items put, waiting for join()")
    await queue.join()
    log("producer: join() returned, every item is processed")


async def consumer(name, queue):
    handled = 0
    while True:
        try:
            item, seconds = await get(queue)
        except QueueShutDown:
            log(f"{name}: QueueShutDown, exiting after {handled} items")
            return handled
        log(f"{name}: got {item}")
        try:
            await asyncio.sleep(seconds)
            log(f"{name}: done with {item}")
            handled += 1
        finally:
            queue.task_done()


async def main():
    global start
    start = time.time()
    queue = asyncio.Queue(maxsize=2)
    consumers = [asyncio.create_task(consumer(name, queue), name=name) for name in ("A", "B")]
    await producer(queue)
    shutdown(queue, consumers)
    handled = await asyncio.gather(*consumers)
    log(f"handled per consumer: {handled}")


asyncio.run(main())
