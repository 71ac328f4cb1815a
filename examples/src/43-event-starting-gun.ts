/**
 * `asyncio.Event` as a starting gun: three runners wait on the start line until the starter sets the event, then
 * all go at once. Not code in the seeds: the simplest of the primitives behind seed 002's "coordinating their
 * results safely" (Introduction).
 *
 * ```python
 * async def runner(name, gun, seconds):
 *     print(f"{name}: on the start line")
 *     await gun.wait()
 *     print(f"{name}: off!")
 *     await asyncio.sleep(seconds)
 *     print(f"{name}: finished after {seconds}s")
 *
 * gun = asyncio.Event()
 * runners = [asyncio.create_task(runner(name, gun, seconds), name=name)
 *            for name, seconds in [("Ann", 1.5), ("Bob", 1.2), ("Cy", 1.8)]]
 * await asyncio.sleep(1)
 * print(f"starter: is_set() = {gun.is_set()}; bang!")
 * gun.set()
 * print(f"starter: is_set() = {gun.is_set()}")
 * await asyncio.gather(*runners)
 * print(f"a latecomer's wait() returns at once: {await gun.wait()}")
 * gun.clear()
 * print(f"after clear(): is_set() = {gun.is_set()}")
 * ```
 *
 * - `set()` wakes every waiter, but does not run them inside the call: the starter's next line comes first, and
 *   the runners go (in the order they started waiting) when the starter awaits — as on asyncio's next loop
 *   iteration.
 * - `wait()` on an event that is set returns `true` at once; `clear()` unsets it, so the next `wait()` would
 *   block again.
 */
import * as asyncio from "@effect-asyncio/core"
import * as Effect from "effect/Effect"
import type { ExampleMeta } from "./shared/example.ts"
import { runStandalone } from "./shared/example.ts"
import { print, repr } from "./shared/python.ts"

const runner = (name: string, gun: asyncio.Event.Event, seconds: number) =>
  Effect.gen(function* () {
    yield* print(`${name}: on the start line`)
    yield* gun.wait()
    yield* print(`${name}: off!`)
    yield* asyncio.sleep(seconds)
    yield* print(`${name}: finished after ${seconds.toFixed(1)}s`)
  })

export const main = Effect.gen(function* () {
  const gun = yield* asyncio.Event.make()
  const runners = yield* Effect.forEach(
    [
      ["Ann", 1.5],
      ["Bob", 1.2],
      ["Cy", 1.8]
    ] as const,
    ([name, seconds]) => asyncio.createTask(runner(name, gun, seconds), { name })
  )
  yield* asyncio.sleep(1)
  yield* print(`starter: is_set() = ${repr(yield* gun.isSet())}; bang!`)
  yield* gun.set()
  yield* print(`starter: is_set() = ${repr(yield* gun.isSet())}`)
  yield* asyncio.gather(...runners)
  yield* print(`a latecomer's wait() returns at once: ${repr(yield* gun.wait())}`)
  yield* gun.clear()
  yield* print(`after clear(): is_set() = ${repr(yield* gun.isSet())}`)
})

export const meta: ExampleMeta = {
  id: "43-event-starting-gun",
  title: "Event as a starting gun: waiters released together by set()",
  seed: "002_4cbe37d7ecfcfa6a.txt",
  section: "Introduction (coordinating tasks safely)",
  asyncio: ["Event", "Event.wait", "Event.set", "Event.is_set", "Event.clear", "create_task", "gather"],
  python: "python/43-event-starting-gun.py",
  tutorialOutput: undefined,
  tutorialSays: ["…creating coroutines, scheduling them as tasks, and coordinating their results safely."],
  transcript: [
    [0, "Ann: on the start line"],
    [0, "Bob: on the start line"],
    [0, "Cy: on the start line"],
    [1, "starter: is_set() = False; bang!"],
    [1, "starter: is_set() = True"],
    [1, "Ann: off!"],
    [1, "Bob: off!"],
    [1, "Cy: off!"],
    [2.2, "Bob: finished after 1.2s"],
    [2.5, "Ann: finished after 1.5s"],
    [2.8, "Cy: finished after 1.8s"],
    [2.8, "a latecomer's wait() returns at once: True"],
    [2.8, "after clear(): is_set() = False"]
  ],
  elapsed: 2.8,
  differences: [
    {
      kind: "note",
      why:
        "Python's `is_set()` is `isSet()`; every method returns an Effect, so `gun.set()` is `yield* gun.set()`. " +
        "`wait()` succeeds with `true`, as Python's returns True."
    }
  ]
}

if (import.meta.main) await runStandalone(meta, main)
