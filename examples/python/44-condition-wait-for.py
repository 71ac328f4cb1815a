# An asyncio.Condition: three consumers wait, holding the condition's lock only while they look, until
# wait_for(predicate) finds an item for them; a producer adds items and notifies. notify_all() wakes all three for
# one item: the first takes it, the other two find the predicate false again and go back to waiting, which is why
# wait_for re-checks after every wake-up. notify(2) then wakes exactly the two still waiting. Not code in the
# seeds; the primitive behind "coordinating their results safely" (seed 002, Introduction).
import asyncio

items = []
checks = {}


async def consumer(name, cond):
    checks[name] = 0

    def has_item():
        checks[name] += 1
        return len(items) > 0

    async with cond:
        print(f"{name}: waiting for an item")
        await cond.wait_for(has_item)
        item = items.pop(0)
        print(f"{name}: took {item!r} (predicate checked {checks[name]} times)")
    return item


async def main():
    cond = asyncio.Condition()
    consumers = [asyncio.create_task(consumer(name, cond), name=name) for name in ("A", "B", "C")]
    await asyncio.sleep(1)
    async with cond:
        items.append("apple")
        print("producer: added 'apple', notify_all()")
        cond.notify_all()
    await asyncio.sleep(0.5)
    print(f"producer: predicate checks so far {checks}")
    await asyncio.sleep(0.5)
    async with cond:
        items.extend(["bread", "cheese"])
        print("producer: added 'bread' and 'cheese', notify(2)")
        cond.notify(2)
    print(f"consumers got: {await asyncio.gather(*consumers)}")


asyncio.run(main())
