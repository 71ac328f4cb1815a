/**
 * Seed 002, "When asyncio Helps and When It Does Not": *"It does not speed up CPU-heavy loops by itself. For
 * CPU-bound work, use processes or move the heavy function off the event loop."* — and the pitfall *"Expecting
 * asyncio to make CPU-heavy code faster."*
 *
 * A ticker task should tick every 0.1 s. Next to it, 0.8 s of number crunching:
 *
 * 1. **inside a task** (`Effect.sync(() => crunch(0.8))`): the computation never reaches a suspension point, so
 *    the event loop cannot run anything else — no timer fires, and the ticks all come out late, bunched up at the
 *    moment the loop is free again;
 * 2. **through `toThread`**: the same function runs in a worker thread; the loop stays free and every tick is on
 *    time.
 *
 * This is real time (a busy loop takes no virtual time), so the numbers vary a little from run to run.
 *
 * ```python
 * ticker = asyncio.create_task(tick())                  # every 0.1 s
 * crunch(0.8)                                           # blocks the loop: ticks late
 * await asyncio.to_thread(crunch, 0.8)                  # off the loop: ticks on time
 * ```
 */
import * as asyncio from "@effect-asyncio/core"
import { toThread, workModule } from "@effect-asyncio/node/ToThread"
import * as Effect from "effect/Effect"
import { print } from "./shared/python.ts"
import type { RealTimeMeta } from "./shared/realtime.ts"
import { runRealTime } from "./shared/realtime.ts"
import { crunch } from "./shared/work.ts"

// Typed by a type-only import: the module is loaded by the worker threads, not here (well — here too, because
// part 1 calls crunch directly).
const work = workModule<typeof import("./shared/work.ts")>(new URL("./shared/work.ts", import.meta.url))

const TICKS = 10
const PERIOD = 0.1
const WORK = 0.8
/** A tick later than this is called late. */
export const LATE = 0.2

const now = Effect.clockWith((clock) => Effect.sync(() => clock.currentTimeMillisUnsafe() / 1000))

/** Ticks every PERIOD seconds, TICKS times; returns when each tick fired, in seconds since the ticker started. */
const ticker = Effect.gen(function* () {
  const start = yield* now
  const fired: Array<number> = []
  for (let i = 1; i <= TICKS; i++) {
    const due = start + i * PERIOD
    yield* asyncio.sleep(Math.max(0, due - (yield* now)))
    fired.push((yield* now) - start)
  }
  return fired
})

/** One part: the ticker, and the crunching done by `compute`; returns the worst lateness of a tick. */
const part = (title: string, compute: Effect.Effect<{ readonly threadId: number }, unknown>) =>
  Effect.gen(function* () {
    yield* print(title)
    const ticks = yield* asyncio.createTask(ticker, { name: "ticker" })
    yield* asyncio.sleep(PERIOD / 2) // the ticker is running; its first tick is due in 0.05 s
    const { threadId } = yield* compute
    yield* print(
      threadId === 0 ? "  crunched on the event loop's thread" : `  crunched on worker thread ${threadId}`
    )
    const fired = yield* ticks
    const worst = Math.max(...fired.map((at, i) => at - (i + 1) * PERIOD))
    yield* print(`  ticks at (s): ${fired.map((at) => at.toFixed(2)).join(" ")}`)
    yield* print(
      `  ticks late by up to ${worst.toFixed(2)} s: ` +
        (worst >= LATE
          ? "LATE, no timer fired while the loop was computing"
          : "on time, the loop stayed free")
    )
    return worst
  })

export const main = Effect.gen(function* () {
  yield* part(
    `Part 1: crunch(${WORK}) inside a task, next to a ticker that should tick every ${PERIOD} s`,
    Effect.sync(() => crunch(WORK))
  )
  yield* part(`Part 2: the same crunch(${WORK}) through toThread`, toThread(work, "crunch", WORK))
})

const late =
  /^ {2}ticks late by up to \d+\.\d\d s: (LATE, no timer fired while the loop was computing|on time, the loop stayed free)$/

export const meta: RealTimeMeta = {
  id: "31-blocking-the-loop",
  title: "CPU-heavy work inside a task makes every timer late; through toThread they stay on time",
  seed: "002_4cbe37d7ecfcfa6a.txt",
  section: "When asyncio Helps and When It Does Not",
  asyncio: ["to_thread", "create_task", "sleep"],
  python: "python/31-blocking-the-loop.py",
  tutorialSays: [
    "It does not speed up CPU-heavy loops by itself. For CPU-bound work, use processes or move the heavy " +
      "function off the event loop.",
    "If a coroutine never reaches an await, it does not cooperate with the event loop and blocks progress just " +
      "like regular synchronous code.",
    "Expecting asyncio to make CPU-heavy code faster. It is mainly for concurrent waiting, not parallel computation."
  ],
  transcript: [
    "Part 1: crunch(0.8) inside a task, next to a ticker that should tick every 0.1 s",
    "  crunched on the event loop's thread",
    /^ {2}ticks at \(s\):( \d+\.\d\d){10}$/,
    late,
    "Part 2: the same crunch(0.8) through toThread",
    /^ {2}crunched on worker thread \d+$/,
    /^ {2}ticks at \(s\):( \d+\.\d\d){10}$/,
    late
  ],
  elapsed: 2,
  notes: [
    "Expected: part 1 late by about 0.75 s (the first tick was due 0.05 s into the 0.8 s computation, and the " +
      "ticks due meanwhile all fire together when it ends); part 2 late by a few milliseconds.",
    "Python's to_thread runs the function in a thread of the same interpreter: with the GIL, pure-Python " +
      "crunching still slows the loop down a little (it gets the GIL back every 5 ms). Node's worker threads " +
      "are separate JavaScript engines: nothing is shared, so arguments and results are copied, and the loop " +
      "is not slowed at all.",
    "The worker thread loads src/shared/work.ts by URL; toThread is typed by `typeof import(...)` of it."
  ]
}

if (import.meta.main) await runRealTime(meta, main)
