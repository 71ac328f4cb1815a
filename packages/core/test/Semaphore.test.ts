import { assert, describe, it } from "@effect/vitest"
import * as asyncio from "@effect-asyncio/core"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { defectOf, defectTag, isInterrupted } from "./utils/exits.ts"
import { runVirtual } from "./utils/virtual.ts"

/**
 * One asyncio loop iteration: a single `yieldNow` of the test fiber lets every fiber that was ready run once (see
 * Lock.test.ts). The Semaphore [tick] cases hold as written.
 */
const tick = Effect.yieldNow

const defectMessage = (exit: Exit.Exit<unknown, unknown>): string | undefined => {
  const defect = defectOf(exit)
  return defect instanceof Error ? defect.message : undefined
}

describe("Semaphore", () => {
  // ---------------------------------------------------------------------------------------------------------
  // Conformance cases
  // ---------------------------------------------------------------------------------------------------------

  it.effect("SEM-01 a semaphore with initial value 0 is locked", () =>
    Effect.gen(function* () {
      const sem = yield* asyncio.Semaphore.make(0)
      assert.isTrue(yield* sem.locked())
      assert.strictEqual(String(sem), "<Semaphore [locked, waiters:0]>")
      const one = yield* asyncio.Semaphore.make()
      assert.isFalse(yield* one.locked())
      assert.strictEqual(String(one), "<Semaphore [unlocked, value:1, waiters:0]>")
    })
  )

  it.effect("SEM-02 a negative initial value is a ValueError defect", () =>
    Effect.gen(function* () {
      const exit = yield* Effect.exit(asyncio.Semaphore.make(-1))
      assert.strictEqual(defectTag(exit), "ValueError")
      assert.strictEqual(defectMessage(exit), "Semaphore.make: initial value must be an integer >= 0, got -1")
      assert.throws(
        () => asyncio.Semaphore.makeUnsafe(-1),
        "Semaphore.makeUnsafe: initial value must be an integer >= 0, got -1"
      )
      assert.strictEqual(defectTag(yield* Effect.exit(asyncio.BoundedSemaphore.make(-1))), "ValueError")
      // not Python's (it accepts floats and then misbehaves): a non-integer is rejected too
      assert.strictEqual(defectTag(yield* Effect.exit(asyncio.Semaphore.make(1.5))), "ValueError")
    })
  )

  it.effect("SEM-04 a waiting acquire() cancelled on the next tick leaves no waiter behind", () =>
    Effect.gen(function* () {
      const sem = yield* asyncio.Semaphore.make()
      assert.isTrue(yield* sem.acquire())
      const acquire = yield* asyncio.createTask(sem.acquire())
      yield* asyncio.createTask(acquire.cancel()) // Python's `call_soon(acquire.cancel)`
      assert.isTrue(isInterrupted(yield* Effect.exit(acquire)))
      assert.deepStrictEqual(yield* sem.statistics(), {
        value: 0,
        bound: undefined,
        locked: true,
        tasksWaiting: 0
      })
    })
  )

  it.effect(
    "SEM-05 [tick] after two queued waiters are cancelled, one release() wakes exactly the next one",
    () =>
      Effect.gen(function* () {
        const sem = yield* asyncio.Semaphore.make(0)
        const [t1, t2, t3, t4] = [
          yield* asyncio.createTask(sem.acquire()),
          yield* asyncio.createTask(sem.acquire()),
          yield* asyncio.createTask(sem.acquire()),
          yield* asyncio.createTask(sem.acquire())
        ]
        yield* asyncio.sleep(0)
        yield* t1.cancel()
        yield* t2.cancel()
        yield* sem.release()
        yield* asyncio.sleep(0)
        yield* asyncio.sleep(0)
        assert.isTrue(yield* t3.done())
        assert.isFalse(yield* t4.done())
        yield* t3.cancel()
        yield* t4.cancel()
        yield* asyncio.sleep(0)
        assert.deepStrictEqual(yield* sem.statistics(), {
          value: 0,
          bound: undefined,
          locked: true,
          tasksWaiting: 0
        })
      })
  )

  it.effect("SEM-07 a waiter cancelled after it was handed the permit gives it back: no hang", () =>
    Effect.gen(function* () {
      const sem = yield* asyncio.Semaphore.make(1)
      const tasks: { t2?: asyncio.Task<void> } = {}
      const c1 = Effect.gen(function* () {
        yield* sem.withPermit(asyncio.sleep(0))
        yield* tasks.t2!.cancel()
      })
      const c2 = sem.withPermit(Effect.die("c2 must never get the permit"))
      const t1 = yield* asyncio.createTask(c1)
      tasks.t2 = yield* asyncio.createTask(c2)
      const [r1, r2] = yield* asyncio.gather(t1, tasks.t2, { returnExceptions: true })
      assert.isUndefined(r1)
      assert.strictEqual(r2?._tag, "CancelledError")
      const { exit, elapsed } = yield* runVirtual(asyncio.waitFor(sem.acquire(), 1))
      assert.deepStrictEqual(exit, Exit.succeed(true))
      assert.strictEqual(elapsed, 0)
    })
  )

  it.effect("SEM-08 BoundedSemaphore.release() without an acquire is a ValueError defect", () =>
    Effect.gen(function* () {
      const sem = yield* asyncio.BoundedSemaphore.make()
      const exit = yield* Effect.exit(sem.release())
      assert.strictEqual(defectTag(exit), "ValueError")
      assert.strictEqual(defectMessage(exit), "BoundedSemaphore released too many times")
      assert.deepStrictEqual(yield* sem.statistics(), { value: 1, bound: 1, locked: false, tasksWaiting: 0 })
    })
  )

  it.effect(
    "SEM-10 tasks that re-acquire queue behind the others: [c1_1, c2_1, c3_1, c1_2, c2_2, c3_2]",
    () =>
      Effect.gen(function* () {
        const sem = yield* asyncio.Semaphore.make(1)
        const result: Array<string> = []
        const coro = (tag: string) =>
          Effect.gen(function* () {
            yield* sem.acquire()
            result.push(`${tag}_1`)
            yield* asyncio.sleep(0.01)
            yield* sem.release()
            yield* sem.acquire()
            result.push(`${tag}_2`)
            yield* asyncio.sleep(0.01)
            yield* sem.release()
          })
        const { exit, elapsed } = yield* runVirtual(asyncio.gather(coro("c1"), coro("c2"), coro("c3")))
        assert.isTrue(Exit.isSuccess(exit))
        assert.deepStrictEqual(result, ["c1_1", "c2_1", "c3_1", "c1_2", "c2_2", "c3_2"])
        assert.strictEqual(elapsed, 0.06)
      })
  )

  it.effect("SEM-11 a task that releases and re-acquires queues behind an earlier waiter: [1, 2, 3, 4]", () =>
    Effect.gen(function* () {
      const sem = yield* asyncio.Semaphore.make(1)
      const result: Array<number> = []
      const c1 = Effect.gen(function* () {
        yield* sem.acquire()
        result.push(1)
        return true
      })
      const c2 = Effect.gen(function* () {
        yield* sem.acquire()
        result.push(2)
        yield* sem.release()
        yield* sem.acquire()
        result.push(4)
        return true
      })
      const c3 = Effect.gen(function* () {
        yield* sem.acquire()
        result.push(3)
        return true
      })
      const tasks = [
        yield* asyncio.createTask(c1),
        yield* asyncio.createTask(c2),
        yield* asyncio.createTask(c3)
      ]
      yield* asyncio.sleep(0)
      yield* sem.release()
      yield* sem.release()
      assert.deepStrictEqual(yield* asyncio.gather(...tasks), [true, true, true])
      assert.deepStrictEqual(result, [1, 2, 3, 4])
    })
  )

  it.effect(
    "SEM-13 [tick] a task that obtains the semaphore wakes further waiters while the counter is positive",
    () =>
      // in a loop scope, so that t4 (created by c1) outlives c1 as in Python
      asyncio.Loop.scoped(
        Effect.gen(function* () {
          const sem = yield* asyncio.Semaphore.make(0)
          const result: Array<number> = []
          const checks: Array<string> = []
          const value = Effect.map(sem.statistics(), (s) => s.value)
          let t4: asyncio.Task<boolean> | undefined
          const c4 = Effect.sync(() => {
            result.push(4)
            return true
          })
          const c1 = Effect.gen(function* () {
            checks.push(`c1 before: value ${yield* value}`)
            yield* sem.acquire()
            // all waiting tasks have been woken now
            checks.push(`c1 after: value ${yield* value}`)
            t4 = yield* asyncio.createTask(c4) // runs after c3, not c2
            result.push(1)
            return true
          })
          const c2 = Effect.gen(function* () {
            yield* sem.release()
            yield* sem.release()
            yield* sem.release()
            checks.push(`c2: value ${yield* value}, locked ${yield* sem.locked()}`)
            yield* sem.acquire()
            result.push(2)
            return true
          })
          const c3 = Effect.gen(function* () {
            yield* sem.acquire()
            checks.push(`c3: locked ${yield* sem.locked()}`)
            result.push(3)
            return true
          })
          const t1 = yield* asyncio.createTask(c1)
          const t2 = yield* asyncio.createTask(c2)
          const t3 = yield* asyncio.createTask(c3)
          yield* tick
          // three tasks in the queue, the first one woken but not running yet
          const stats = yield* sem.statistics()
          assert.strictEqual(stats.value, 2)
          assert.strictEqual(stats.tasksWaiting, 3)
          yield* tick
          assert.deepStrictEqual(yield* asyncio.gather(t1, t2, t3, t4!), [true, true, true, true])
          assert.deepStrictEqual(result, [1, 2, 3, 4])
          assert.deepStrictEqual(checks, [
            "c1 before: value 0",
            "c2: value 2, locked true",
            "c1 after: value 0",
            "c3: locked true"
          ])
        })
      )
  )

  it.effect(
    "SEM-14 (derived) a plain semaphore may be released above its initial value; a bounded one may not",
    () =>
      Effect.gen(function* () {
        const sem = yield* asyncio.Semaphore.make(1)
        yield* sem.release()
        yield* sem.release()
        assert.strictEqual((yield* sem.statistics()).value, 3)
        const bounded = yield* asyncio.BoundedSemaphore.make(2)
        const exit = yield* Effect.exit(bounded.release())
        assert.strictEqual(defectTag(exit), "ValueError")
        assert.strictEqual(defectMessage(exit), "BoundedSemaphore released too many times")
        assert.strictEqual((yield* bounded.statistics()).value, 2)
      })
  )

  // ---------------------------------------------------------------------------------------------------------
  // Further behaviour
  // ---------------------------------------------------------------------------------------------------------

  it.effect("locked() is true while tasks are queued even if the counter is positive (no barging)", () =>
    Effect.gen(function* () {
      const sem = yield* asyncio.Semaphore.make(1)
      const order: Array<string> = []
      yield* sem.acquire()
      const waiter = yield* asyncio.createTask(sem.withPermit(Effect.sync(() => order.push("waiter"))))
      yield* tick
      yield* sem.release() // hands the unit to the waiter, which has not run yet
      yield* sem.release() // the counter is 1 now, but the waiter is still ahead
      assert.deepStrictEqual(yield* sem.statistics(), {
        value: 1,
        bound: undefined,
        locked: true,
        tasksWaiting: 1
      })
      yield* sem.withPermit(Effect.sync(() => order.push("newcomer")))
      yield* waiter
      assert.deepStrictEqual(order, ["waiter", "newcomer"])
      assert.strictEqual((yield* sem.statistics()).value, 2)
    })
  )

  it.effect("the uncontended acquire does not yield (it is not a cancellation point)", () =>
    Effect.gen(function* () {
      const sem = yield* asyncio.Semaphore.make(2)
      const log: Array<string> = []
      yield* asyncio.createTask(Effect.sync(() => log.push("other task ran")))
      yield* sem.acquire()
      yield* sem.withPermit(Effect.void)
      yield* sem.release()
      assert.deepStrictEqual(log, [])
    })
  )

  it.effect("withPermit bounds concurrency: 5 one-second jobs through Semaphore(2) take 3 seconds", () =>
    Effect.gen(function* () {
      const sem = yield* asyncio.Semaphore.make(2)
      let inside = 0
      let maxInside = 0
      const job = (i: number) =>
        sem.withPermit(
          Effect.gen(function* () {
            inside++
            maxInside = Math.max(maxInside, inside)
            yield* asyncio.sleep(1)
            inside--
            return i
          })
        )
      const { exit, elapsed } = yield* runVirtual(asyncio.gather(job(1), job(2), job(3), job(4), job(5)))
      assert.deepStrictEqual(exit, Exit.succeed([1, 2, 3, 4, 5]))
      assert.strictEqual(maxInside, 2)
      assert.strictEqual(elapsed, 3)
    })
  )

  it.effect("withPermit returns the permit when the body fails, dies or is cancelled", () =>
    Effect.gen(function* () {
      const sem = yield* asyncio.BoundedSemaphore.make(1)
      assert.deepStrictEqual(yield* Effect.exit(sem.withPermit(Effect.fail("boom"))), Exit.fail("boom"))
      assert.deepStrictEqual(yield* Effect.exit(sem.withPermit(Effect.die("bug"))), Exit.die("bug"))
      const holder = yield* asyncio.createTask(sem.withPermit(Effect.never))
      yield* tick
      assert.isTrue(yield* sem.locked())
      yield* holder.cancel()
      assert.deepStrictEqual(yield* sem.statistics(), { value: 1, bound: 1, locked: false, tasksWaiting: 0 })
    })
  )

  it.effect(
    "one withPermit effect run by several tasks at once: each run waits, is cancelled and releases on its own",
    () =>
      Effect.gen(function* () {
        const sem = yield* asyncio.BoundedSemaphore.make(1)
        const order: Array<string> = []
        const region = sem.withPermit(
          Effect.gen(function* () {
            const me = yield* asyncio.currentTask
            order.push(me!.name)
            yield* asyncio.sleep(0)
          })
        )
        const t1 = yield* asyncio.createTask(region, { name: "t1" })
        const t2 = yield* asyncio.createTask(region, { name: "t2" })
        const t3 = yield* asyncio.createTask(region, { name: "t3" })
        yield* tick
        assert.deepStrictEqual(yield* sem.statistics(), { value: 0, bound: 1, locked: true, tasksWaiting: 2 })
        yield* t2.cancel()
        yield* tick
        assert.strictEqual((yield* sem.statistics()).tasksWaiting, 1)
        yield* Effect.exit(asyncio.gather(t1, t3))
        assert.deepStrictEqual(order, ["t1", "t3"])
        assert.isTrue(isInterrupted(yield* Effect.exit(t2)))
        assert.deepStrictEqual(yield* sem.statistics(), {
          value: 1,
          bound: 1,
          locked: false,
          tasksWaiting: 0
        })
      })
  )

  it.effect("withPermit called uninterruptibly waits uninterruptibly, runs its body and releases", () =>
    Effect.gen(function* () {
      const sem = yield* asyncio.Semaphore.make(0)
      let ran = false
      const task = yield* asyncio.createTask(
        Effect.uninterruptible(sem.withPermit(Effect.sync(() => (ran = true))))
      )
      yield* tick
      task.fiber.interruptUnsafe()
      yield* tick
      assert.isFalse(yield* task.done())
      assert.strictEqual((yield* sem.statistics()).tasksWaiting, 1)
      yield* sem.release()
      assert.isTrue(isInterrupted(yield* Effect.exit(asyncio.shield(task))))
      assert.isTrue(ran)
      assert.deepStrictEqual(yield* sem.statistics(), {
        value: 1,
        bound: undefined,
        locked: false,
        tasksWaiting: 0
      })
    })
  )

  it.effect("BoundedSemaphore is a Semaphore with a bound; guards tell them apart", () =>
    Effect.gen(function* () {
      const bounded = yield* asyncio.BoundedSemaphore.make(3)
      const plain = yield* asyncio.Semaphore.make(3)
      assert.strictEqual(bounded.bound, 3)
      assert.isTrue(asyncio.Semaphore.isSemaphore(bounded))
      assert.isTrue(asyncio.BoundedSemaphore.isBoundedSemaphore(bounded))
      assert.isTrue(asyncio.Semaphore.isSemaphore(plain))
      assert.isFalse(asyncio.BoundedSemaphore.isBoundedSemaphore(plain))
      assert.strictEqual(String(bounded), "<BoundedSemaphore [unlocked, value:3, waiters:0]>")
    })
  )

  it.effect("a bounded semaphore accepts balanced releases from other tasks", () =>
    Effect.gen(function* () {
      const sem = yield* asyncio.BoundedSemaphore.make(2)
      yield* sem.acquire()
      yield* sem.acquire()
      const releaser = yield* asyncio.createTask(Effect.andThen(sem.release(), sem.release()))
      yield* releaser
      assert.deepStrictEqual(yield* sem.statistics(), { value: 2, bound: 2, locked: false, tasksWaiting: 0 })
    })
  )
})

// The properties every lock-like primitive shares (mutual exclusion or the bound, FIFO, progress, no leak under
// cancellation and preemption) are one generic test run against each: LockLike.property.test.ts.
