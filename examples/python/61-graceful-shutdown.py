# Graceful shutdown of a service, the classic asyncio pattern (Lynn Root, "Graceful Shutdowns with asyncio"): a
# publisher and a consumer run until the process receives SIGTERM (or SIGINT, SIGHUP); the signal handler starts a
# shutdown task that cancels every other task, waits for them, flushes what the consumer buffered and stops the
# loop; the program exits 0. It sends SIGTERM to itself after a while so that it ends on its own; with
# --wait-for-signal it runs until someone else sends one.
import asyncio
import os
import signal
import sys

buffer = []


async def publish(queue):
    n = 0
    while True:
        n += 1
        await queue.put(f"msg-{n}")
        print(f"published msg-{n}")
        await asyncio.sleep(0.3)


async def consume(queue):
    while True:
        msg = await queue.get()
        buffer.append(msg)
        print(f"consumed {msg}")


async def flush():
    await asyncio.sleep(0.1)  # writing them somewhere
    print(f"flushed {len(buffer)} messages: {', '.join(buffer)}")
    buffer.clear()


async def shutdown(sig, loop):
    print(f"Received exit signal {sig.name}...")
    tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    for task in tasks:
        task.cancel()
    print(f"Cancelling {len(tasks)} outstanding tasks")
    await asyncio.gather(*tasks, return_exceptions=True)
    await flush()
    loop.stop()


def main():
    loop = asyncio.new_event_loop()
    signals = (signal.SIGHUP, signal.SIGTERM, signal.SIGINT)
    for s in signals:
        loop.add_signal_handler(s, lambda s=s: asyncio.create_task(shutdown(s, loop)))
    queue = asyncio.Queue()
    try:
        loop.create_task(publish(queue))
        loop.create_task(consume(queue))
        if "--wait-for-signal" not in sys.argv:
            loop.call_later(1.35, os.kill, os.getpid(), signal.SIGTERM)
        loop.run_forever()
    finally:
        loop.close()
        print("Successfully shutdown the service")


main()
