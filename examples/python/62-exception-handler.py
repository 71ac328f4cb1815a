# A service whose consumer task crashes, noticed at once by the loop's exception handler: the consumer is started
# without keeping a reference (fire and forget), so when it raises, CPython hands "Task exception was never
# retrieved" to the handler right away — the task is garbage the moment it ends. The handler reports it and starts a
# new consumer; the producer never notices, and every message but the bad one is handled.
import asyncio

queue = None
consumers = 0


async def produce():
    for n in range(1, 7):
        await queue.put(n)
        print(f"produced {n}")
        await asyncio.sleep(0.5)
    await queue.join()
    print("all messages handled")


async def consume(name):
    while True:
        n = await queue.get()
        try:
            if n == 3:
                raise ValueError(f"cannot handle message {n}")
            print(f"{name} handled {n}")
        finally:
            queue.task_done()


def start_consumer(loop):
    global consumers
    consumers += 1
    loop.create_task(consume(f"consumer-{consumers}"))  # no reference kept


def handle_exception(loop, context):
    exc = context.get("exception")
    print(f"exception handler: {context['message']}: {exc!r}")
    print("starting a new consumer")
    start_consumer(loop)


async def main():
    global queue
    queue = asyncio.Queue()
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(handle_exception)
    start_consumer(loop)
    await produce()


asyncio.run(main())
