import { assert, describe, it } from "@effect/vitest"
import * as asyncio from "@effect-asyncio/core"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { runVirtual } from "./utils/virtual.ts"

/**
 * One asyncio loop iteration: a single `yieldNow` of the test fiber lets every fiber that was ready run once (see
 * Lock.test.ts). The Event [tick] cases hold as written.
 */
const tick = Effect.yieldNow

describe("Event", () => {
  // ---------------------------------------------------------------------------------------------------------
  // Conformance cases
  // ---------------------------------------------------------------------------------------------------------

  it.effect(
    "EV-01 [tick] set() wakes every waiter; a task that had not started yet passes first: [3, 1, 2]",
    () =>
      Effect.gen(function* () {
        const ev = yield* asyncio.Event.make()
        const result: Array<number> = []
        const c = (n: number) =>
          Effect.gen(function* () {
            const woke = yield* ev.wait()
            result.push(n)
            return woke
          })
        const t1 = yield* asyncio.createTask(c(1))
        const t2 = yield* asyncio.createTask(c(2))
        yield* tick
        assert.deepStrictEqual(result, [])
        const t3 = yield* asyncio.createTask(c(3))
        yield* ev.set()
        yield* tick
        assert.deepStrictEqual(result, [3, 1, 2])
        assert.isTrue(yield* t1.done())
        assert.isTrue(yield* t2.done())
        assert.isTrue(yield* t3.done())
        assert.deepStrictEqual([yield* t1, yield* t2, yield* t3], [true, true, true])
      })
  )

  it.effect("EV-02 wait() on a set event returns true immediately, without yielding", () =>
    Effect.gen(function* () {
      const ev = yield* asyncio.Event.make()
      const log: Array<string> = []
      yield* ev.set()
      yield* asyncio.createTask(Effect.sync(() => log.push("other task ran")))
      assert.isTrue(yield* ev.wait())
      assert.deepStrictEqual(log, [])
    })
  )

  it.effect("EV-04 set() makes isSet() true and clear() makes it false", () =>
    Effect.gen(function* () {
      const ev = yield* asyncio.Event.make()
      assert.isFalse(yield* ev.isSet())
      assert.strictEqual(String(ev), "<Event [unset, waiters:0]>")
      yield* ev.set()
      assert.isTrue(yield* ev.isSet())
      assert.strictEqual(String(ev), "<Event [set, waiters:0]>")
      yield* ev.clear()
      assert.isFalse(yield* ev.isSet())
    })
  )

  it.effect("EV-05 [tick] set(); clear() still releases the current waiter, exactly once", () =>
    Effect.gen(function* () {
      const ev = yield* asyncio.Event.make()
      const result: Array<number> = []
      const t = yield* asyncio.createTask(
        Effect.gen(function* () {
          if (yield* ev.wait()) result.push(1)
          return true
        })
      )
      yield* tick
      assert.deepStrictEqual(result, [])
      yield* ev.set()
      yield* ev.clear()
      assert.isFalse(yield* ev.isSet())
      yield* ev.set()
      yield* ev.set()
      // the woken waiter has not run yet and is still counted once
      assert.strictEqual((yield* ev.statistics()).tasksWaiting, 1)
      yield* tick
      assert.deepStrictEqual(result, [1])
      assert.deepStrictEqual(yield* ev.statistics(), { isSet: true, tasksWaiting: 0 })
      assert.isTrue(yield* t.done())
      assert.isTrue(yield* t)
    })
  )

  it.effect("EV-05 (derived) [tick] set(); clear() alone, then one tick, releases the waiter", () =>
    Effect.gen(function* () {
      const ev = yield* asyncio.Event.make()
      const t = yield* asyncio.createTask(ev.wait())
      yield* tick
      yield* ev.set()
      yield* ev.clear()
      yield* tick
      assert.isTrue(yield* t.done())
      assert.isFalse(yield* ev.isSet())
    })
  )

  // ---------------------------------------------------------------------------------------------------------
  // Further behaviour
  // ---------------------------------------------------------------------------------------------------------

  it.effect("a cancelled waiter leaves the waiter list; the others are still woken", () =>
    Effect.gen(function* () {
      const ev = yield* asyncio.Event.make()
      const a = yield* asyncio.createTask(ev.wait())
      const b = yield* asyncio.createTask(ev.wait())
      yield* tick
      assert.strictEqual((yield* ev.statistics()).tasksWaiting, 2)
      yield* a.cancel()
      assert.strictEqual((yield* ev.statistics()).tasksWaiting, 1)
      yield* ev.set()
      yield* tick
      assert.isTrue(yield* a.cancelled())
      assert.isTrue(yield* b)
      assert.deepStrictEqual(yield* ev.statistics(), { isSet: true, tasksWaiting: 0 })
    })
  )

  it.effect("a waiter cancelled after set() woke it ends cancelled and is no longer counted", () =>
    Effect.gen(function* () {
      const ev = yield* asyncio.Event.make()
      const a = yield* asyncio.createTask(ev.wait())
      yield* tick
      yield* ev.set()
      yield* a.cancel()
      assert.strictEqual((yield* ev.statistics()).tasksWaiting, 0)
      yield* tick
      assert.isTrue(yield* a.cancelled())
    })
  )

  it.effect("a clear event blocks new waiters until the next set()", () =>
    Effect.gen(function* () {
      const ev = yield* asyncio.Event.make()
      const program = Effect.gen(function* () {
        yield* ev.set()
        yield* ev.clear()
        const waiter = yield* asyncio.createTask(ev.wait())
        yield* asyncio.sleep(2)
        assert.isFalse(yield* waiter.done())
        yield* ev.set()
        return yield* waiter
      })
      const { exit, elapsed } = yield* runVirtual(program)
      assert.deepStrictEqual(exit, Exit.succeed(true))
      assert.strictEqual(elapsed, 2)
    })
  )

  it.effect("waiters wake in the order they started waiting", () =>
    Effect.gen(function* () {
      const ev = yield* asyncio.Event.make()
      const order: Array<number> = []
      for (const n of [1, 2, 3, 4]) {
        yield* asyncio.createTask(
          Effect.andThen(
            ev.wait(),
            Effect.sync(() => order.push(n))
          )
        )
      }
      yield* tick
      yield* ev.set()
      yield* tick
      assert.deepStrictEqual(order, [1, 2, 3, 4])
      assert.isTrue(asyncio.Event.isEvent(ev))
    })
  )
})
