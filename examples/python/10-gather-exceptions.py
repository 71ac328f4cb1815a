# Seed 004, gotcha: "gather() stops on first exception by default - use return_exceptions=True to collect all
# results even if some fail". Not code in the tutorial; this script shows the claim, and that the failing
# gather does not cancel the other awaitables.
import asyncio
import time


class FetchError(Exception):
    pass


async def fetch_data(source, delay, fail=False):
    await asyncio.sleep(delay)
    if fail:
        raise FetchError(f"{source} unavailable")
    return f"Data from {source}"


async def main():
    start = time.time()
    api = asyncio.create_task(fetch_data("API", 2))
    try:
        await asyncio.gather(api, fetch_data("DB", 1, fail=True), fetch_data("Cache", 0.5))
    except FetchError as e:
        print(f"gather raised ({time.time()-start:.1f}s): {e!r}")
        print(f"API task still running: {not api.done()}")
    result = await api
    print(f"API task finished anyway ({time.time()-start:.1f}s): {result!r}")

    start = time.time()
    results = await asyncio.gather(
        fetch_data("API", 2),
        fetch_data("DB", 1, fail=True),
        fetch_data("Cache", 0.5),
        return_exceptions=True
    )
    print(f"return_exceptions=True ({time.time()-start:.1f}s): {results}")


asyncio.run(main())
