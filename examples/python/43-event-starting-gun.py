# An asyncio.Event as a starting gun: runners wait on the start line until the starter sets the event, then all
# go at once. Not code in the seeds; the synchronisation primitive behind "coordinating their results safely"
# (seed 002, Introduction). wait() on an event that is already set returns True at once; clear() unsets it.
import asyncio


async def runner(name, gun, seconds):
    print(f"{name}: on the start line")
    await gun.wait()
    print(f"{name}: off!")
    await asyncio.sleep(seconds)
    print(f"{name}: finished after {seconds}s")


async def main():
    gun = asyncio.Event()
    runners = [asyncio.create_task(runner(name, gun, seconds), name=name)
               for name, seconds in [("Ann", 1.5), ("Bob", 1.2), ("Cy", 1.8)]]
    await asyncio.sleep(1)
    print(f"starter: is_set() = {gun.is_set()}; bang!")
    gun.set()
    print(f"starter: is_set() = {gun.is_set()}")
    await asyncio.gather(*runners)
    print(f"a latecomer's wait() returns at once: {await gun.wait()}")
    gun.clear()
    print(f"after clear(): is_set() = {gun.is_set()}")


asyncio.run(main())
