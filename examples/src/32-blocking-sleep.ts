/**
 * Seed 002, "Common Pitfalls": *"Mixing blocking functions such as `time.sleep()` inside coroutines. Use
 * `await asyncio.sleep()` instead."*
 *
 * Two tasks, A and B, each pause three times for 0.2 s:
 *
 * 1. with a **blocking sleep** — `Atomics.wait`, JavaScript's `time.sleep` — the pause holds the thread: A runs
 *    all its steps, then B; 1.2 s in all;
 * 2. with a **busy-wait loop** (`while (performance.now() < end) {}`) — the same, and a CPU core at 100 % too;
 * 3. with **`asyncio.sleep(0.2)`** — each pause suspends the task, the loop runs the other one: the steps
 *    interleave, 0.6 s in all.
 *
 * Real time: a blocking sleep takes no virtual time, so this example cannot run on the test clock.
 *
 * ```python
 * time.sleep(0.2)           # blocks the loop: tasks run one after the other
 * await asyncio.sleep(0.2)  # suspends this task: the others run
 * ```
 */
import * as asyncio from "@effect-asyncio/core"
import * as Effect from "effect/Effect"
import { print } from "./shared/python.ts"
import type { RealTimeMeta } from "./shared/realtime.ts"
import { runRealTime } from "./shared/realtime.ts"

const PAUSE = 0.2

/** JavaScript's `time.sleep`: blocks the thread (the main thread too, on Node) without using the CPU. */
const blockingSleep = (seconds: number) =>
  Effect.sync(() => {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, seconds * 1000)
  })

/** A busy wait: blocks the thread *and* burns a CPU core. */
const busyWait = (seconds: number) =>
  Effect.sync(() => {
    const end = performance.now() + seconds * 1000
    while (performance.now() < end) {
      // spin
    }
  })

const worker = (name: string, pause: (seconds: number) => Effect.Effect<void>) =>
  Effect.gen(function* () {
    for (let step = 1; step <= 3; step++) {
      yield* pause(PAUSE)
      yield* print(`  ${name}: step ${step}`)
    }
  })

const now = Effect.clockWith((clock) => Effect.sync(() => clock.currentTimeMillisUnsafe() / 1000))

const part = (title: string, pause: (seconds: number) => Effect.Effect<void>, verdict: string) =>
  Effect.gen(function* () {
    yield* print(title)
    const start = yield* now
    yield* asyncio.gather(worker("A", pause), worker("B", pause))
    yield* print(`  took ${((yield* now) - start).toFixed(1)} s: ${verdict}`)
  })

export const main = Effect.gen(function* () {
  yield* part(
    `Part 1: tasks A and B each pause 3 × ${PAUSE} s with a blocking sleep (Atomics.wait, Python's time.sleep)`,
    blockingSleep,
    "one after the other, the loop could not switch"
  )
  yield* part(
    "Part 2: the same with a busy-wait loop",
    busyWait,
    "one after the other, and a CPU core at 100 % meanwhile"
  )
  yield* part(
    `Part 3: the same with asyncio.sleep(${PAUSE})`,
    (seconds) => asyncio.sleep(seconds),
    "each sleep let the other task run"
  )
})

const sequential = ["  A: step 1", "  A: step 2", "  A: step 3", "  B: step 1", "  B: step 2", "  B: step 3"]

export const meta: RealTimeMeta = {
  id: "32-blocking-sleep",
  title: "A blocking sleep (or busy wait) stops every task; asyncio.sleep lets them interleave",
  seed: "002_4cbe37d7ecfcfa6a.txt",
  section: "Common Pitfalls",
  asyncio: ["sleep", "gather"],
  python: "python/32-blocking-sleep.py",
  tutorialSays: [
    "Mixing blocking functions such as time.sleep() inside coroutines. Use await asyncio.sleep() instead."
  ],
  transcript: [
    "Part 1: tasks A and B each pause 3 × 0.2 s with a blocking sleep (Atomics.wait, Python's time.sleep)",
    ...sequential,
    /^ {2}took \d+\.\d s: one after the other, the loop could not switch$/,
    "Part 2: the same with a busy-wait loop",
    ...sequential,
    /^ {2}took \d+\.\d s: one after the other, and a CPU core at 100 % meanwhile$/,
    "Part 3: the same with asyncio.sleep(0.2)",
    "  A: step 1",
    "  B: step 1",
    "  A: step 2",
    "  B: step 2",
    "  A: step 3",
    "  B: step 3",
    /^ {2}took \d+\.\d s: each sleep let the other task run$/
  ],
  elapsed: 3,
  notes: [
    "Expected times: 1.2 s, 1.2 s, 0.6 s.",
    "Node allows Atomics.wait on the main thread (browsers do not); it is the closest thing JavaScript has to " +
      "time.sleep. A synchronous file or network call (fs.readFileSync, child_process.execSync) blocks the " +
      "same way: use the asynchronous API, or toThread for CPU work (example 31)."
  ]
}

if (import.meta.main) await runRealTime(meta, main)
