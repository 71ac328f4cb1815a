"""Python's answer: N CPU jobs of ~1 ms through ProcessPoolExecutor + asyncio.gather. Prints one JSON line."""
import asyncio
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor


def burn(n, ms=1.0):
    end = time.perf_counter() + ms / 1000
    x = 0
    while time.perf_counter() < end:
        x += 1
    return n


async def main(n, workers):
    loop = asyncio.get_running_loop()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        await asyncio.gather(*(loop.run_in_executor(pool, burn, i) for i in range(workers * 4)))  # warm-up
        start = time.perf_counter()
        results = await asyncio.gather(*(loop.run_in_executor(pool, burn, i) for i in range(n)))
        elapsed = time.perf_counter() - start
    assert sum(results) == n * (n - 1) // 2
    print(json.dumps({"impl": "python ProcessPoolExecutor + gather", "n": n, "workers": workers, "seconds": elapsed}))


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), int(sys.argv[2])))
