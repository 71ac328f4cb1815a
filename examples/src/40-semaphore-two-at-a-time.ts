/**
 * Seed 002, "Limiting Concurrency": "Creating many tasks is easy, but launching too many network or file
 * operations at once can overwhelm services. A semaphore gives you a simple concurrency cap. … Only two jobs run
 * inside the semaphore at a time." The seed's code block did not survive; this is the pattern it describes.
 *
 * ```python
 * DURATIONS = [1.0, 0.5, 1.0, 1.5, 0.7, 0.8]
 *
 * async def job(sem, n, seconds):
 *     global inside
 *     async with sem:
 *         inside += 1
 *         print(f"job {n} starts ({inside} inside)")
 *         await asyncio.sleep(seconds)
 *         inside -= 1
 *         print(f"job {n} ends after {seconds}s")
 *     return n
 *
 * sem = asyncio.Semaphore(2)
 * results = await asyncio.gather(*(job(sem, n, s) for n, s in enumerate(DURATIONS, 1)))
 * ```
 *
 * All six jobs are started at once; `sem.withPermit` (Python's `async with sem:`) lets two in and queues the
 * rest first-in-first-out. Every "starts" line says how many jobs are inside — never more than two — and each
 * queued job starts the moment a running one ends, in the same instant: a sliding window, not batches of two.
 * 5.5 s of work, two at a time, takes 3.0 s (job 2 → 3 → 5 → 6 on one permit, job 1 → 4 on the other).
 *
 * The durations differ so that no two jobs end at the same instant: then the order of the lines is the same
 * everywhere — in CPython, in a real run (where two timers set for one instant may fire a millisecond apart), and
 * on the tests' virtual clock (`Testing.virtualClock`, which wakes the timers due at one instant together, as
 * asyncio's loop does).
 */
import * as asyncio from "@effect-asyncio/core"
import * as Effect from "effect/Effect"
import type { ExampleMeta } from "./shared/example.ts"
import { runStandalone } from "./shared/example.ts"
import { now, print, repr } from "./shared/python.ts"

const DURATIONS = [1.0, 0.5, 1.0, 1.5, 0.7, 0.8]

export const main = Effect.gen(function* () {
  const sem = yield* asyncio.Semaphore.make(2)
  let inside = 0
  let mostInside = 0

  const job = (n: number, seconds: number) =>
    sem.withPermit(
      Effect.gen(function* () {
        inside += 1
        mostInside = Math.max(mostInside, inside)
        yield* print(`job ${n} starts (${inside} inside)`)
        yield* asyncio.sleep(seconds)
        inside -= 1
        yield* print(`job ${n} ends after ${seconds.toFixed(1)}s`)
        return n
      })
    )

  const start = yield* now
  const results = yield* asyncio.gather(...DURATIONS.map((seconds, i) => job(i + 1, seconds)))
  const work = DURATIONS.reduce((a, b) => a + b, 0)
  yield* print(`results: ${repr(results)}`)
  yield* print(
    `${work.toFixed(1)}s of work, at most ${mostInside} at a time: ${((yield* now) - start).toFixed(1)}s`
  )
})

export const meta: ExampleMeta = {
  id: "40-semaphore-two-at-a-time",
  title: "Semaphore(2): six jobs started together, at most two inside at a time",
  seed: "002_4cbe37d7ecfcfa6a.txt",
  section: "Limiting Concurrency",
  asyncio: ["Semaphore", "async with sem (withPermit)", "gather"],
  python: "python/40-semaphore-two-at-a-time.py",
  tutorialOutput: undefined,
  tutorialSays: [
    "A semaphore gives you a simple concurrency cap.",
    "Only two jobs run inside the semaphore at a time."
  ],
  transcript: [
    [0, "job 1 starts (1 inside)"],
    [0, "job 2 starts (2 inside)"],
    [0.5, "job 2 ends after 0.5s"],
    [0.5, "job 3 starts (2 inside)"],
    [1, "job 1 ends after 1.0s"],
    [1, "job 4 starts (2 inside)"],
    [1.5, "job 3 ends after 1.0s"],
    [1.5, "job 5 starts (2 inside)"],
    [2.2, "job 5 ends after 0.7s"],
    [2.2, "job 6 starts (2 inside)"],
    [2.5, "job 4 ends after 1.5s"],
    [3, "job 6 ends after 0.8s"],
    [3, "results: [1, 2, 3, 4, 5, 6]"],
    [3, "5.5s of work, at most 2 at a time: 3.0s"]
  ],
  elapsed: 3,
  differences: [
    {
      kind: "note",
      why:
        "`async with sem:` is `sem.withPermit(effect)`, which releases the permit however the job ends; " +
        "Python's module-level `inside` counter (a `global`) is a variable of `main`, shared by the jobs " +
        "through the closure. `{seconds}` of a Python float is `toFixed(1)` here (a JS number 1.0 prints as 1)."
    }
  ]
}

if (import.meta.main) await runStandalone(meta, main)
