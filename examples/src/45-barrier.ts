/**
 * `asyncio.Barrier` (Python 3.11): three hikers reach the summit at different times; each waits there until all
 * three have arrived, then they all go on. Not code in the seeds: one of the primitives behind seed 002's
 * "coordinating their results safely" (Introduction).
 *
 * ```python
 * async def hiker(name, barrier, seconds):
 *     await asyncio.sleep(seconds)
 *     print(f"{name}: at the summit after {seconds}s ({barrier.n_waiting} waiting there)")
 *     index = await barrier.wait()
 *     print(f"{name}: going down, arrival index {index}")
 *     return index
 *
 * barrier = asyncio.Barrier(3)
 * print(f"Barrier(parties={barrier.parties})")
 * indices = await asyncio.gather(hiker("Ann", barrier, 2.0), hiker("Bob", barrier, 1.0),
 *                                hiker("Cy", barrier, 3.0))
 * print(f"indices: {indices}; n_waiting: {barrier.n_waiting}; broken: {barrier.broken}")
 * ```
 *
 * - Nobody passes before the third arrival (3 s); then all three pass in the same instant.
 * - `wait()` returns the arrival index: Bob (first, 1 s) 0, Ann 1, Cy (last) 2. The last arrival releases the
 *   others and goes on first; the others follow in the order they arrived. Use the index to elect one task for a
 *   per-round job (`index === 0`).
 * - Afterwards the barrier is empty and not broken, ready for another round (it is cyclic).
 */
import * as asyncio from "@effect-asyncio/core"
import * as Effect from "effect/Effect"
import type { ExampleMeta } from "./shared/example.ts"
import { runStandalone } from "./shared/example.ts"
import { print, repr } from "./shared/python.ts"

const hiker = (name: string, barrier: asyncio.Barrier.Barrier, seconds: number) =>
  Effect.gen(function* () {
    yield* asyncio.sleep(seconds)
    yield* print(
      `${name}: at the summit after ${seconds.toFixed(1)}s (${yield* barrier.nWaiting()} waiting there)`
    )
    const index = yield* barrier.wait()
    yield* print(`${name}: going down, arrival index ${index}`)
    return index
  })

export const main = Effect.gen(function* () {
  const barrier = yield* asyncio.Barrier.make(3)
  yield* print(`Barrier(parties=${barrier.parties})`)
  const indices = yield* asyncio.gather(
    hiker("Ann", barrier, 2),
    hiker("Bob", barrier, 1),
    hiker("Cy", barrier, 3)
  )
  yield* print(
    `indices: ${repr(indices)}; n_waiting: ${yield* barrier.nWaiting()}; broken: ${repr(yield* barrier.broken())}`
  )
})

export const meta: ExampleMeta = {
  id: "45-barrier",
  title: "Barrier(3): three tasks meet, get their arrival indices, and pass together",
  seed: "002_4cbe37d7ecfcfa6a.txt",
  section: "Introduction (coordinating tasks safely)",
  asyncio: ["Barrier", "Barrier.wait", "Barrier.parties", "Barrier.n_waiting", "Barrier.broken", "gather"],
  python: "python/45-barrier.py",
  tutorialOutput: undefined,
  tutorialSays: ["…creating coroutines, scheduling them as tasks, and coordinating their results safely."],
  transcript: [
    [0, "Barrier(parties=3)"],
    [1, "Bob: at the summit after 1.0s (0 waiting there)"],
    [2, "Ann: at the summit after 2.0s (1 waiting there)"],
    [3, "Cy: at the summit after 3.0s (2 waiting there)"],
    [3, "Cy: going down, arrival index 2"],
    [3, "Bob: going down, arrival index 0"],
    [3, "Ann: going down, arrival index 1"],
    [3, "indices: [1, 0, 2]; n_waiting: 0; broken: False"]
  ],
  elapsed: 3,
  differences: [
    {
      kind: "note",
      why:
        "Python's properties `n_waiting` and `broken` are methods returning Effects here (`nWaiting()`, " +
        "`broken()`): they read mutable state. `parties` never changes and is a plain property, as in Python. " +
        "`wait()` can fail with BrokenBarrierError (after `abort()` or `reset()`), which is in its error type."
    }
  ]
}

if (import.meta.main) await runStandalone(meta, main)
