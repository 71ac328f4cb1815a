# Seed 002, "Error Handling and Cancellation": "If a request times out ... unbounded background tasks can leak
# work or keep resources open longer than expected." A slow request under wait_for() and under an
# asyncio.timeout() block: the request is cancelled at the deadline, its clean-up (closing the connection,
# 0.5 s) runs, and only then TimeoutError is raised. Not code in the tutorial.
import asyncio
import time


async def request(name, delay):
    print(f"  {name}: connection opened, request sent")
    try:
        await asyncio.sleep(delay)
        print(f"  {name}: response received")
        return f"{name} response"
    finally:
        print(f"  {name}: closing the connection")
        await asyncio.sleep(0.5)
        print(f"  {name}: connection closed")


async def main():
    start = time.time()
    print("wait_for(request('A', 5), 2):")
    try:
        await asyncio.wait_for(request("A", 5), 2)
    except TimeoutError as e:
        print(f"  {type(e).__name__} after {time.time()-start:.1f}s (the clean-up is included)")
        print(f"  its cause: {type(e.__cause__).__name__}")

    start = time.time()
    print("timeout(2): request('B', 1), then request('C', 5):")
    try:
        async with asyncio.timeout(2) as scope:
            await request("B", 1)
            await request("C", 5)
    except TimeoutError as e:
        print(f"  {type(e).__name__} after {time.time()-start:.1f}s; expired: {scope.expired()}")
        print(f"  its cause: {type(e.__cause__).__name__}")


asyncio.run(main())
