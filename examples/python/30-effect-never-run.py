# Seed 002, "Common Pitfalls": "Calling async functions without awaiting or scheduling them. That creates
# coroutine objects, not running tasks." Not code in the tutorial. Step 1 also makes CPython print
# "RuntimeWarning: coroutine 'send_email' was never awaited" on stderr.
import asyncio


async def send_email(to):
    await asyncio.sleep(0.5)
    print(f"  email sent to {to}")
    return to


async def main():
    print("1. Calling without await:")
    send_email("ada")
    await asyncio.sleep(1)
    print("  (1 s later: nothing was sent)")

    print("2. With await:")
    await send_email("ada")

    print("3. A list of coroutines, never gathered:")
    pending = [send_email(name) for name in ["bob", "cy"]]
    await asyncio.sleep(1)
    print(f"  (1 s later: {len(pending)} built, nothing sent)")

    print("4. Gathered:")
    print(f"  {await asyncio.gather(*pending)}")

    print("5. Scheduled as a task, not awaited:")
    task = asyncio.create_task(send_email("dee"))
    await asyncio.sleep(1)
    print(f"  (task done: {task.done()})")


asyncio.run(main())
