/**
 * `asyncio.Condition`: consumers wait with `wait_for(predicate)` until there is an item for them; a producer adds
 * items under the condition's lock and notifies. Not code in the seeds: one of the primitives behind seed 002's
 * "coordinating their results safely" (Introduction).
 *
 * ```python
 * async def consumer(name, cond):
 *     checks[name] = 0
 *     def has_item():
 *         checks[name] += 1
 *         return len(items) > 0
 *     async with cond:
 *         print(f"{name}: waiting for an item")
 *         await cond.wait_for(has_item)
 *         item = items.pop(0)
 *         print(f"{name}: took {item!r} (predicate checked {checks[name]} times)")
 *     return item
 *
 * cond = asyncio.Condition()
 * consumers = [asyncio.create_task(consumer(name, cond), name=name) for name in ("A", "B", "C")]
 * await asyncio.sleep(1)
 * async with cond:
 *     items.append("apple")
 *     print("producer: added 'apple', notify_all()")
 *     cond.notify_all()
 * await asyncio.sleep(0.5)
 * print(f"producer: predicate checks so far {checks}")
 * await asyncio.sleep(0.5)
 * async with cond:
 *     items.extend(["bread", "cheese"])
 *     print("producer: added 'bread' and 'cheese', notify(2)")
 *     cond.notify(2)
 * print(f"consumers got: {await asyncio.gather(*consumers)}")
 * ```
 *
 * - `notify_all()` for one item wakes all three consumers. They return from `wait` one at a time, each taking
 *   the lock back: A finds the item and takes it; B and C find the predicate false and wait again. That is why
 *   `waitFor` re-checks after every wake-up — a wake-up is not a promise that the state holds (2 checks each at
 *   1.5 s).
 * - `notify(2)` for two items wakes exactly the two still waiting, first-in-first-out (3 checks each).
 * - `waitFor` releases the lock while it waits, so the producer can take it; `withLock` is `async with cond:`.
 */
import * as asyncio from "@effect-asyncio/core"
import * as Effect from "effect/Effect"
import type { ExampleMeta } from "./shared/example.ts"
import { runStandalone } from "./shared/example.ts"
import { print, repr } from "./shared/python.ts"

export const main = Effect.gen(function* () {
  const items: Array<string> = []
  const checks: Record<string, number> = {}

  const consumer = (name: string, cond: asyncio.Condition.Condition) =>
    cond.withLock(
      Effect.gen(function* () {
        checks[name] = 0
        const hasItem = () => {
          checks[name] += 1
          return items.length > 0
        }
        yield* print(`${name}: waiting for an item`)
        yield* cond.waitFor(hasItem)
        const item = items.shift()
        yield* print(`${name}: took ${repr(item)} (predicate checked ${checks[name]} times)`)
        return item
      })
    )

  const cond = yield* asyncio.Condition.make()
  const consumers = yield* Effect.forEach(["A", "B", "C"], (name) =>
    asyncio.createTask(consumer(name, cond), { name })
  )
  yield* asyncio.sleep(1)
  yield* cond.withLock(
    Effect.gen(function* () {
      items.push("apple")
      yield* print("producer: added 'apple', notify_all()")
      yield* cond.notifyAll()
    })
  )
  yield* asyncio.sleep(0.5)
  yield* print(`producer: predicate checks so far ${repr(checks)}`)
  yield* asyncio.sleep(0.5)
  yield* cond.withLock(
    Effect.gen(function* () {
      items.push("bread", "cheese")
      yield* print("producer: added 'bread' and 'cheese', notify(2)")
      yield* cond.notify(2)
    })
  )
  yield* print(`consumers got: ${repr(yield* asyncio.gather(...consumers))}`)
})

export const meta: ExampleMeta = {
  id: "44-condition-wait-for",
  title: "Condition: consumers wait_for(predicate), a producer notifies; notify_all() vs notify(2)",
  seed: "002_4cbe37d7ecfcfa6a.txt",
  section: "Introduction (coordinating tasks safely)",
  asyncio: [
    "Condition",
    "async with cond (withLock)",
    "Condition.wait_for",
    "Condition.notify",
    "Condition.notify_all",
    "create_task",
    "gather"
  ],
  python: "python/44-condition-wait-for.py",
  tutorialOutput: undefined,
  tutorialSays: ["…creating coroutines, scheduling them as tasks, and coordinating their results safely."],
  transcript: [
    [0, "A: waiting for an item"],
    [0, "B: waiting for an item"],
    [0, "C: waiting for an item"],
    [1, "producer: added 'apple', notify_all()"],
    [1, "A: took 'apple' (predicate checked 2 times)"],
    [1.5, "producer: predicate checks so far {'A': 2, 'B': 2, 'C': 2}"],
    [2, "producer: added 'bread' and 'cheese', notify(2)"],
    [2, "B: took 'bread' (predicate checked 3 times)"],
    [2, "C: took 'cheese' (predicate checked 3 times)"],
    [2, "consumers got: ['apple', 'bread', 'cheese']"]
  ],
  elapsed: 2,
  differences: [
    {
      kind: "note",
      why:
        "`async with cond:` is `cond.withLock(effect)`; `wait_for` is `waitFor` and succeeds with the " +
        "predicate's truthy value, as in Python. The predicate is a plain synchronous function in both."
    }
  ]
}

if (import.meta.main) await runStandalone(meta, main)
