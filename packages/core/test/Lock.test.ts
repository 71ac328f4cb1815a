import { assert, describe, it } from "@effect/vitest"
import * as asyncio from "@effect-asyncio/core"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { defectOf, defectTag, isInterrupted } from "./utils/exits.ts"
import { runVirtual, settle } from "./utils/virtual.ts"

/**
 * One asyncio loop iteration. Our scheduler runs each woken or newly created fiber in the scheduler turn after
 * it was scheduled, in scheduling order, so a single `yieldNow` of the test fiber lets everything that was ready
 * run once — the Lock [tick] cases hold as written, no re-baselining needed.
 */
const tick = Effect.yieldNow

const defectMessage = (exit: Exit.Exit<unknown, unknown>): string | undefined => {
  const defect = defectOf(exit)
  return defect instanceof Error ? defect.message : undefined
}

describe("Lock", () => {
  // ---------------------------------------------------------------------------------------------------------
  // Conformance cases
  // ---------------------------------------------------------------------------------------------------------

  it.effect("LCK-01 a new lock is unlocked; acquire() returns true and locks it", () =>
    Effect.gen(function* () {
      const lock = yield* asyncio.Lock.make()
      assert.isFalse(yield* lock.locked())
      assert.strictEqual(String(lock), "<Lock [unlocked, waiters:0]>")
      assert.isTrue(yield* lock.acquire())
      assert.isTrue(yield* lock.locked())
      assert.strictEqual(String(lock), "<Lock [locked, waiters:0]>")
      assert.isTrue(asyncio.Lock.isLock(lock))
      assert.isFalse(asyncio.Lock.isLock({}))
    })
  )

  it.effect(
    "LCK-02 [tick] waiters take the lock strictly FIFO; a newcomer is served after earlier waiters",
    () =>
      Effect.gen(function* () {
        const lock = yield* asyncio.Lock.make()
        const result: Array<number> = []
        assert.isTrue(yield* lock.acquire())
        const c = (n: number) =>
          Effect.gen(function* () {
            const got = yield* lock.acquire()
            result.push(n)
            return got
          })
        const t1 = yield* asyncio.createTask(c(1))
        const t2 = yield* asyncio.createTask(c(2))
        yield* tick
        assert.deepStrictEqual(result, [])
        yield* lock.release()
        // Python: unlocked until the woken waiter runs, which still counts as waiting
        assert.isFalse(yield* lock.locked())
        assert.strictEqual((yield* lock.statistics()).tasksWaiting, 2)
        yield* tick
        assert.deepStrictEqual(result, [1])
        yield* tick
        assert.deepStrictEqual(result, [1])
        const t3 = yield* asyncio.createTask(c(3))
        yield* lock.release()
        yield* tick
        assert.deepStrictEqual(result, [1, 2])
        yield* lock.release()
        yield* tick
        assert.deepStrictEqual(result, [1, 2, 3])
        assert.deepStrictEqual([yield* t1, yield* t2, yield* t3], [true, true, true])
      })
  )

  it.effect("LCK-04 [tick] a waiter cancelled while the holder releases does not take or lose the lock", () =>
    Effect.gen(function* () {
      const lock = yield* asyncio.Lock.make()
      const fa = yield* asyncio.Event.make() // the future A blocks on
      const lockit = (blocker: asyncio.Event.Event | undefined) =>
        Effect.gen(function* () {
          yield* lock.acquire()
          yield* Effect.ensuring(blocker === undefined ? Effect.void : blocker.wait(), lock.release())
        })
      const ta = yield* asyncio.createTask(lockit(fa))
      yield* tick
      assert.isTrue(yield* lock.locked())
      const tb = yield* asyncio.createTask(lockit(undefined))
      yield* tick
      assert.strictEqual((yield* lock.statistics()).tasksWaiting, 1)
      const tc = yield* asyncio.createTask(lockit(undefined))
      yield* tick
      assert.strictEqual((yield* lock.statistics()).tasksWaiting, 2)
      // the race: A is about to release, B is cancelled in the same iteration
      yield* fa.set()
      yield* tb.cancel()
      // Python marks B's waiter cancelled at once; ours leaves the queue at once
      assert.strictEqual((yield* lock.statistics()).tasksWaiting, 1)
      yield* tick
      assert.isFalse(yield* lock.locked())
      assert.isTrue(yield* ta.done())
      assert.isTrue(yield* tb.cancelled())
      yield* tc
      assert.isFalse(yield* lock.locked())
    })
  )

  it.effect(
    "LCK-05 cancelling the first waiter and releasing in one step hands the lock to exactly one task",
    () =>
      Effect.gen(function* () {
        const lock = yield* asyncio.Lock.make()
        let lockCount = 0
        let callCount = 0
        const lockit = Effect.gen(function* () {
          callCount++
          yield* lock.acquire()
          lockCount++
        })
        yield* lock.acquire()
        const t1 = yield* asyncio.createTask(lockit)
        const t2 = yield* asyncio.createTask(lockit)
        const t3 = yield* asyncio.createTask(lockit)
        yield* asyncio.sleep(0)
        // Python's `call_soon(trigger)`: both in one callback
        yield* asyncio.createTask(
          Effect.gen(function* () {
            yield* t1.cancel()
            yield* lock.release()
          })
        )
        assert.isTrue(isInterrupted(yield* Effect.exit(t1)))
        // Not a [tick] case: our awaiter may resume before the trigger's release has run, so let things settle
        yield* settle
        assert.strictEqual(lockCount, 1)
        assert.strictEqual(callCount, 3)
        assert.isTrue(yield* t1.cancelled())
        assert.isTrue(yield* t2.done())
        assert.isFalse(yield* t3.done())
        yield* t3.cancel()
        yield* asyncio.sleep(0)
        assert.isTrue(yield* t3.cancelled())
        // t2 still holds the lock; nobody waits
        assert.deepStrictEqual(yield* lock.statistics(), { locked: true, owner: t2, tasksWaiting: 0 })
      })
  )

  it.effect("LCK-07 release() on an unlocked lock is a RuntimeError defect", () =>
    Effect.gen(function* () {
      const lock = yield* asyncio.Lock.make()
      const exit = yield* Effect.exit(lock.release())
      assert.strictEqual(defectTag(exit), "RuntimeError")
      assert.strictEqual(defectMessage(exit), "Lock is not acquired.")
    })
  )

  it.effect("LCK-08 acquire then release with no waiters leaves the lock unlocked", () =>
    Effect.gen(function* () {
      const lock = yield* asyncio.Lock.make()
      yield* lock.acquire()
      yield* lock.release()
      assert.isFalse(yield* lock.locked())
      assert.deepStrictEqual(yield* lock.statistics(), { locked: false, owner: undefined, tasksWaiting: 0 })
    })
  )

  // ---------------------------------------------------------------------------------------------------------
  // Further behaviour
  // ---------------------------------------------------------------------------------------------------------

  it.effect("the uncontended acquire does not yield (it is not a cancellation point)", () =>
    Effect.gen(function* () {
      const lock = yield* asyncio.Lock.make()
      const log: Array<string> = []
      yield* asyncio.createTask(Effect.sync(() => log.push("other task ran")))
      yield* lock.acquire()
      yield* lock.release()
      yield* lock.withLock(Effect.void)
      assert.deepStrictEqual(log, [])
      yield* tick
      assert.deepStrictEqual(log, ["other task ran"])
    })
  )

  it.effect(
    "no barging: a newcomer queues behind a woken waiter even while the lock is momentarily free",
    () =>
      Effect.gen(function* () {
        const lock = yield* asyncio.Lock.make()
        const order: Array<string> = []
        yield* lock.acquire()
        const waiter = yield* asyncio.createTask(lock.withLock(Effect.sync(() => order.push("waiter"))))
        yield* tick
        yield* lock.release()
        assert.isFalse(yield* lock.locked())
        // the caller itself comes back at once: it must queue, not take the free lock
        yield* lock.withLock(Effect.sync(() => order.push("newcomer")))
        yield* waiter
        assert.deepStrictEqual(order, ["waiter", "newcomer"])
      })
  )

  it.effect("a waiter cancelled after being woken passes the lock on to the next waiter", () =>
    Effect.gen(function* () {
      const lock = yield* asyncio.Lock.make()
      const order: Array<string> = []
      yield* lock.acquire()
      const a = yield* asyncio.createTask(lock.withLock(Effect.sync(() => order.push("a"))))
      const b = yield* asyncio.createTask(lock.withLock(Effect.sync(() => order.push("b"))))
      yield* tick
      yield* lock.release() // wakes a
      yield* a.cancel() // before a runs: a hands the wake-up to b, which runs a turn later
      yield* settle
      assert.isTrue(yield* a.cancelled())
      assert.isTrue(yield* b.done())
      assert.deepStrictEqual(order, ["b"])
      assert.deepStrictEqual(yield* lock.statistics(), { locked: false, owner: undefined, tasksWaiting: 0 })
    })
  )

  it.effect("withLock releases the lock when the body fails, dies or is cancelled", () =>
    Effect.gen(function* () {
      const lock = yield* asyncio.Lock.make()
      const failed = yield* Effect.exit(lock.withLock(Effect.fail("boom")))
      assert.deepStrictEqual(failed, Exit.fail("boom"))
      assert.isFalse(yield* lock.locked())
      const died = yield* Effect.exit(lock.withLock(Effect.die("bug")))
      assert.deepStrictEqual(died, Exit.die("bug"))
      assert.isFalse(yield* lock.locked())
      const holder = yield* asyncio.createTask(lock.withLock(Effect.never))
      yield* tick
      assert.isTrue(yield* lock.locked())
      yield* holder.cancel()
      assert.isTrue(yield* holder.cancelled())
      assert.isFalse(yield* lock.locked())
    })
  )

  it.effect("withLock is a detachable property: effect.pipe(lock.withLock) works", () =>
    Effect.gen(function* () {
      const lock = yield* asyncio.Lock.make()
      const seen = yield* lock.locked().pipe(lock.withLock)
      assert.isTrue(seen)
      assert.isFalse(yield* lock.locked())
    })
  )

  it.effect("statistics() names the task that acquired the lock and counts the waiters", () =>
    Effect.gen(function* () {
      const lock = yield* asyncio.Lock.make()
      const holder = yield* asyncio.createTask(lock.withLock(Effect.never), { name: "holder" })
      yield* tick
      const waiter = yield* asyncio.createTask(lock.acquire())
      yield* tick
      const stats = yield* lock.statistics()
      assert.strictEqual(stats.owner, holder)
      assert.strictEqual(stats.owner?.name, "holder")
      assert.strictEqual(stats.tasksWaiting, 1)
      yield* holder.cancel()
      yield* tick
      assert.isTrue(yield* waiter.done())
      assert.strictEqual((yield* lock.statistics()).owner, waiter)
    })
  )

  it.effect("a critical section keeps increments from being lost", () =>
    Effect.gen(function* () {
      const lock = yield* asyncio.Lock.make()
      let counter = 0
      // three distinct effects: gather runs one effect object passed twice only once
      const increment = () =>
        Effect.gen(function* () {
          const seen = counter
          yield* asyncio.sleep(0.1)
          counter = seen + 1
        }).pipe(lock.withLock)
      const { exit, elapsed } = yield* runVirtual(asyncio.gather(increment(), increment(), increment()))
      assert.isTrue(Exit.isSuccess(exit))
      assert.strictEqual(counter, 3)
      assert.strictEqual(elapsed, 0.3)
    })
  )
})

// The properties every lock-like primitive shares (mutual exclusion or the bound, FIFO, progress, no leak under
// cancellation and preemption) are one generic test run against each: LockLike.property.test.ts.
