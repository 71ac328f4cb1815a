# Seed 002, "if a request times out...": two budgets. The page gives the recommendations 1 s and renders without
# them if they are late (asyncio.timeout with the TimeoutError ignored: Trio's move_on_after); the save has 2 s
# but its commit, once begun, must finish (asyncio.timeout, shield() and waiting for the shielded task when
# cancelled: Trio's fail_after around a shielded scope). Not code in the tutorial.
import asyncio


async def recommendations():
    print("  recommendations: started")
    try:
        await asyncio.sleep(5)
        return ["a book", "a film"]
    except asyncio.CancelledError:
        print("  recommendations: cancelled")
        raise


async def commit_draft():
    print("  save: committing")
    await asyncio.sleep(1)
    print("  save: committed")


async def main():
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    print("render the page, giving the recommendations 1 s:")
    recs = None
    try:
        async with asyncio.timeout(1) as cm:
            recs = await recommendations()
    except TimeoutError:
        pass
    print(f"  page: rendered {'without' if recs is None else 'with'} recommendations (deadline hit: {cm.expired()})")

    print("save the draft within 2 s, its commit shielded:")
    try:
        async with asyncio.timeout(2):
            print("  save: writing")
            await asyncio.sleep(1.5)
            commit = asyncio.create_task(commit_draft())
            try:
                await asyncio.shield(commit)
            except asyncio.CancelledError:
                await commit
                raise
            await asyncio.sleep(0)
            print("  save: done")
    except TimeoutError:
        print(f"  save: TimeoutError at {round(loop.time() - t0, 1)} s; the commit had finished")


asyncio.run(main())
