/**
 * `sleep`: the SL conformance cases (docs/conformance.md) and the argument rules of docs/semantics.md E3–E6
 * (numbers are seconds, Effect durations are accepted, bad values are refused).
 * Everything runs on the TestClock; elapsed times are exact virtual seconds.
 */

import { assert, describe, it } from "@effect/vitest"
import * as asyncio from "@effect-asyncio/core"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import { TestClock } from "effect/testing"
import { defectOf, isInterrupted, recordingTimers, stateOf, type TimerRecord } from "./utils/taskState.ts"
import { now, runVirtual, settle } from "./utils/virtual.ts"

/**
 * A fiber that counts the scheduler turns it gets: it increments `counter.n`, yields, and repeats. Started with
 * `forkChild`, it first runs when the caller yields — the analog of a callback scheduled with `call_soon`.
 */
const ticker = (counter: { n: number }) =>
  Effect.forkChild(
    Effect.forever(
      Effect.andThen(
        Effect.sync(() => {
          counter.n++
        }),
        Effect.yieldNow
      ),
      { disableYield: true }
    )
  )

describe("sleep", () => {
  it.effect("SL-01 sleep(0.05) then sleep(0.05, 'yeah') returns 'yeah' at t=0.1", () =>
    Effect.gen(function* () {
      const { exit, elapsed } = yield* runVirtual(
        Effect.gen(function* () {
          const first = yield* asyncio.sleep(0.05)
          const middle = yield* now
          const second = yield* asyncio.sleep(0.05, "yeah")
          return { first, middle, second }
        })
      )
      assert.deepStrictEqual(yield* exit, { first: undefined, middle: 0.05, second: "yeah" })
      assert.strictEqual(elapsed, 0.1)
    })
  )

  it.effect(
    "SL-02 [tick] sleep(0, 10) yields exactly one turn: a callback scheduled before it has run after it",
    () =>
      Effect.gen(function* () {
        // Re-baselined: asyncio schedules a plain callback with call_soon; we have no loop callbacks, so the
        // callback is a fiber forked with forkChild, which (like call_soon) first runs when the caller yields.
        // The counts are the same as CPython's: 0 before the sleep, 1 right after it.
        const { exit, elapsed } = yield* runVirtual(
          Effect.gen(function* () {
            let counter = 0
            yield* Effect.forkChild(
              Effect.sync(() => {
                counter++
              })
            )
            const before = counter
            const result = yield* asyncio.sleep(0, 10)
            return { before, after: counter, result }
          })
        )
        assert.deepStrictEqual(yield* exit, { before: 0, after: 1, result: 10 })
        assert.strictEqual(elapsed, 0)
      })
  )

  it.effect(
    "SL-02 [tick] each sleep(0) gives a ready fiber exactly one turn (round-robin, like one loop iteration)",
    () =>
      Effect.gen(function* () {
        const { exit } = yield* runVirtual(
          Effect.gen(function* () {
            const counter = { n: 0 }
            const fiber = yield* ticker(counter)
            const seen: Array<number> = []
            for (let i = 0; i < 3; i++) {
              yield* asyncio.sleep(0)
              seen.push(counter.n)
            }
            yield* Fiber.interrupt(fiber)
            return seen
          })
        )
        assert.deepStrictEqual(yield* exit, [1, 2, 3])
      })
  )

  it.effect("SL-04 cancelling a task sleeping 10 releases the sleep's timer at once; it never fires", () =>
    Effect.gen(function* () {
      let timers: ReadonlyArray<TimerRecord> = []
      const { exit } = yield* runVirtual(
        recordingTimers((recorded) =>
          Effect.gen(function* () {
            timers = recorded
            const task = yield* asyncio.createTask(asyncio.sleep(10))
            yield* asyncio.sleep(0)
            const pendingBefore = recorded.map((t) => t.state)
            yield* task.cancel()
            yield* Effect.exit(Effect.asVoid(task))
            return { pendingBefore, state: (yield* stateOf(task))._tag, at: yield* now }
          })
        )
      )
      assert.deepStrictEqual(yield* exit, { pendingBefore: ["pending"], state: "Cancelled", at: 0 })
      // runVirtual advanced the clock by an hour afterwards: the released timer stayed released.
      assert.deepStrictEqual(
        timers.map((t) => ({ seconds: t.seconds, state: t.state, endedAt: t.endedAt })),
        [{ seconds: 10, state: "released", endedAt: 0 }]
      )
    })
  )

  it.effect("SL-04 cancelling a sleeping task at t=1 ends it at t=1, not at the end of the sleep", () =>
    Effect.gen(function* () {
      const { exit } = yield* runVirtual(
        Effect.gen(function* () {
          const task = yield* asyncio.createTask(asyncio.sleep(10, "late"))
          yield* asyncio.sleep(1)
          yield* task.cancel()
          const awaited = yield* Effect.exit(task)
          return {
            cancelledAwait: isInterrupted(awaited),
            at: yield* now,
            cancelled: yield* task.cancelled()
          }
        })
      )
      assert.deepStrictEqual(yield* exit, { cancelledAwait: true, at: 1, cancelled: true })
    })
  )

  it.effect("SL-05 sleep(-5, 'neg') returns 'neg' after exactly one turn, no time passing", () =>
    Effect.gen(function* () {
      const { exit, elapsed } = yield* runVirtual(
        Effect.gen(function* () {
          const counter = { n: 0 }
          const fiber = yield* ticker(counter)
          const result = yield* asyncio.sleep(-5, "neg")
          const turns = counter.n
          yield* Fiber.interrupt(fiber)
          return { result, turns }
        })
      )
      assert.deepStrictEqual(yield* exit, { result: "neg", turns: 1 })
      assert.strictEqual(elapsed, 0)
    })
  )

  it.effect("SL-05 sleep(0) and sleep(-Infinity) resolve to undefined without a result, after one turn", () =>
    Effect.gen(function* () {
      const { exit, elapsed } = yield* runVirtual(
        Effect.gen(function* () {
          const counter = { n: 0 }
          const fiber = yield* ticker(counter)
          const zero = yield* asyncio.sleep(0)
          const afterZero = counter.n
          const minusInfinity = yield* asyncio.sleep(Number.NEGATIVE_INFINITY)
          const afterMinusInfinity = counter.n
          yield* Fiber.interrupt(fiber)
          return { zero, afterZero, minusInfinity, afterMinusInfinity }
        })
      )
      assert.deepStrictEqual(yield* exit, {
        zero: undefined,
        afterZero: 1,
        minusInfinity: undefined,
        afterMinusInfinity: 2
      })
      assert.strictEqual(elapsed, 0)
    })
  )

  it.effect("sleep(NaN) is a defect carrying ValueError (Python 3.13), without yielding or waiting", () =>
    Effect.gen(function* () {
      const { exit, elapsed } = yield* runVirtual(asyncio.sleep(Number.NaN, "never"))
      const defect = defectOf(exit) as asyncio.ValueError
      assert.instanceOf(defect, asyncio.ValueError)
      assert.strictEqual(defect._tag, "ValueError")
      assert.match(defect.message, /NaN/)
      assert.strictEqual(elapsed, 0)
    })
  )

  it.effect("sleep of something that is not a delay is a defect carrying TypeError", () =>
    Effect.gen(function* () {
      const { exit } = yield* runVirtual(asyncio.sleep("soon" as unknown as number))
      const defect = defectOf(exit) as asyncio.TypeError
      assert.instanceOf(defect, asyncio.TypeError)
      assert.strictEqual(defect._tag, "TypeError")
      assert.match(defect.message, /sleep/)
    })
  )

  it.effect("sleep accepts Effect durations: '500 millis', Duration.seconds(2), '0 millis' (one turn)", () =>
    Effect.gen(function* () {
      const { exit, elapsed } = yield* runVirtual(
        Effect.gen(function* () {
          const a = yield* asyncio.sleep("500 millis", "a")
          const t1 = yield* now
          const b = yield* asyncio.sleep(Duration.seconds(2), "b")
          const t2 = yield* now
          const c = yield* asyncio.sleep("0 millis", "c")
          const t3 = yield* now
          return [a, t1, b, t2, c, t3]
        })
      )
      assert.deepStrictEqual(yield* exit, ["a", 0.5, "b", 2.5, "c", 2.5])
      assert.strictEqual(elapsed, 2.5)
    })
  )

  it.effect("a plain number is seconds: sleep(1.5) takes 1.5 virtual seconds", () =>
    Effect.gen(function* () {
      const { exit, elapsed } = yield* runVirtual(asyncio.sleep(1.5, "done"))
      assert.strictEqual(yield* exit, "done")
      assert.strictEqual(elapsed, 1.5)
    })
  )

  it.effect("sleep(Infinity) never returns on its own and can still be cancelled", () =>
    Effect.gen(function* () {
      const task = yield* asyncio.createTask(asyncio.sleep(Number.POSITIVE_INFINITY, "never"))
      yield* settle
      yield* TestClock.adjust("1000 hours")
      assert.isFalse(yield* task.done())
      assert.isTrue(yield* task.cancel("enough"))
      yield* Effect.exit(Effect.asVoid(task))
      const state = yield* stateOf(task)
      assert.strictEqual(state._tag, "Cancelled")
      assert.strictEqual(state._tag === "Cancelled" ? state.error.cancelMessage : undefined, "enough")
    })
  )

  it.effect("sleeps in concurrent tasks wake in deadline order, each at its own exact time", () =>
    Effect.gen(function* () {
      const { exit, elapsed } = yield* runVirtual(
        Effect.gen(function* () {
          const woke: Array<[string, number]> = []
          const sleeper = (name: string, d: number) =>
            Effect.andThen(
              asyncio.sleep(d),
              Effect.flatMap(now, (t) =>
                Effect.sync(() => {
                  woke.push([name, t])
                })
              )
            )
          const tasks = [
            yield* asyncio.createTask(sleeper("c", 0.3)),
            yield* asyncio.createTask(sleeper("a", 0.1)),
            yield* asyncio.createTask(sleeper("b", 0.2))
          ]
          for (const task of tasks) yield* task
          return woke
        })
      )
      assert.deepStrictEqual(yield* exit, [
        ["a", 0.1],
        ["b", 0.2],
        ["c", 0.3]
      ])
      assert.strictEqual(elapsed, 0.3)
    })
  )
})
