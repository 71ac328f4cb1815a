import { assert, describe, it } from "@effect/vitest"
import * as asyncio from "@effect-asyncio/core"
import { fc, it as fcit } from "@fast-check/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scheduler from "effect/Scheduler"
import { TestClock } from "effect/testing"
import { cancelledErrorOf, defectOf, defectTag, isInterrupted } from "./utils/exits.ts"
import { runVirtual, settle } from "./utils/virtual.ts"

/**
 * One asyncio loop iteration: a single `yieldNow` of the test fiber lets every fiber that was ready run once (see
 * Lock.test.ts). The Condition [tick] cases hold as written.
 */
const tick = Effect.yieldNow

const defectMessage = (exit: Exit.Exit<unknown, unknown>): string | undefined => {
  const defect = defectOf(exit)
  return defect instanceof Error ? defect.message : undefined
}

describe("Condition", () => {
  // ---------------------------------------------------------------------------------------------------------
  // Conformance cases
  // ---------------------------------------------------------------------------------------------------------

  it.effect("CND-01 [tick] notified waiters return one at a time, each re-acquiring the lock", () =>
    Effect.gen(function* () {
      const cond = yield* asyncio.Condition.make()
      const result: Array<number> = []
      const c = (n: number) =>
        Effect.gen(function* () {
          yield* cond.acquire()
          if (yield* cond.wait()) result.push(n)
          return true
        })
      const t1 = yield* asyncio.createTask(c(1))
      const t2 = yield* asyncio.createTask(c(2))
      const t3 = yield* asyncio.createTask(c(3))
      yield* tick
      assert.deepStrictEqual(result, [])
      assert.isFalse(yield* cond.locked())

      assert.isTrue(yield* cond.acquire())
      yield* cond.notify()
      yield* tick
      assert.deepStrictEqual(result, [])
      assert.isTrue(yield* cond.locked())

      yield* cond.release()
      yield* tick
      assert.deepStrictEqual(result, [1])
      assert.isTrue(yield* cond.locked())

      yield* cond.notify(2)
      yield* tick
      assert.deepStrictEqual(result, [1])
      assert.isTrue(yield* cond.locked())

      yield* cond.release()
      yield* tick
      assert.deepStrictEqual(result, [1, 2])
      assert.isTrue(yield* cond.locked())

      yield* cond.release()
      yield* tick
      assert.deepStrictEqual(result, [1, 2, 3])
      assert.isTrue(yield* cond.locked())

      assert.deepStrictEqual([yield* t1, yield* t2, yield* t3], [true, true, true])
    })
  )

  it.effect("CND-02 a wait() cancelled while waiting re-acquires the lock before the task ends", () =>
    Effect.gen(function* () {
      const cond = yield* asyncio.Condition.make()
      yield* cond.acquire()
      const wait = yield* asyncio.createTask(cond.wait())
      // Python's `call_soon(wait.cancel)`
      yield* asyncio.createTask(wait.cancel())
      assert.isTrue(isInterrupted(yield* Effect.exit(wait)))
      const stats = yield* cond.statistics()
      assert.strictEqual(stats.tasksWaiting, 0)
      // the cancelled task took the lock back and ended holding it
      assert.isTrue(yield* cond.locked())
      assert.strictEqual(stats.lockStatistics.owner, wait)
    })
  )

  it.effect(
    "CND-04 [tick] a waiter cancelled while re-acquiring after notify() ends cancelled once it got the lock",
    () =>
      Effect.gen(function* () {
        const cond = yield* asyncio.Condition.make()
        let waited = false
        const waiter = yield* asyncio.createTask(
          cond.withLock(
            Effect.gen(function* () {
              waited = true
              yield* cond.wait()
            })
          )
        )
        yield* tick // start waiting
        yield* cond.acquire()
        yield* cond.notify()
        yield* tick // the waiter now queues for the lock
        assert.strictEqual((yield* cond.statistics()).lockStatistics.tasksWaiting, 1)
        yield* waiter.cancel()
        yield* tick // Python: activates the cancellation; ours: the re-acquire cannot be interrupted, it waits on
        assert.isFalse(yield* waiter.done())
        yield* cond.release()
        yield* tick // the waiter takes the lock, then ends cancelled (its withLock releases the lock)
        assert.isTrue(yield* waiter.cancelled())
        assert.isTrue(waited)
        assert.isFalse(yield* cond.locked())
      })
  )

  // asyncio's locks are not owned, and CPython 3.11–3.13's Condition.wait() only checks `self.locked()`: a task that
  // does not hold the lock can wait while another task holds it, releasing that task's lock. We keep Python's
  // behaviour (docs/misuse.md): refusing it would need an owner the lock does not have, and `release()` by a
  // non-holder is allowed for the same reason.
  it.effect(
    "wait() by a task that does not hold the lock, while another task holds it, releases that task's lock (as in Python)",
    () =>
      Effect.gen(function* () {
        const cond = yield* asyncio.Condition.make()
        const seen: Array<string> = []
        const note = (what: string) =>
          Effect.flatMap(cond.statistics(), (s) =>
            Effect.sync(() => {
              seen.push(
                `${what}: locked=${s.lockStatistics.locked} owner=${s.lockStatistics.owner?.name ?? "-"}`
              )
            })
          )
        const r = yield* runVirtual(
          Effect.gen(function* () {
            const holder = yield* asyncio.createTask(cond.withLock(asyncio.sleep(1)), { name: "holder" })
            yield* asyncio.sleep(0.1)
            const intruder = yield* asyncio.createTask(Effect.andThen(cond.wait(), note("intruder woke")), {
              name: "intruder"
            })
            yield* asyncio.sleep(0.1)
            yield* note("while holder sleeps")
            yield* cond.withLock(cond.notify())
            yield* intruder
            yield* holder
            yield* note("after holder's release")
          })
        )
        yield* r.exit
        assert.deepStrictEqual(seen, [
          "while holder sleeps: locked=false owner=-",
          "intruder woke: locked=true owner=intruder",
          "after holder's release: locked=false owner=-"
        ])
      })
  )

  it.effect("CND-05 wait() without holding the lock is a RuntimeError defect", () =>
    Effect.gen(function* () {
      const cond = yield* asyncio.Condition.make()
      const exit = yield* Effect.exit(cond.wait())
      assert.strictEqual(defectTag(exit), "RuntimeError")
      assert.strictEqual(defectMessage(exit), "Condition.wait: cannot wait on un-acquired lock")
      assert.strictEqual((yield* cond.statistics()).tasksWaiting, 0)
    })
  )

  it.effect(
    "CND-07 waitFor() returns a truthy predicate value at once even without the lock, else needs it",
    () =>
      Effect.gen(function* () {
        const cond = yield* asyncio.Condition.make()
        const value = yield* cond.waitFor(() => [1, 2, 3])
        assert.deepStrictEqual(value, [1, 2, 3])
        const exit = yield* Effect.exit(cond.waitFor(() => false))
        assert.strictEqual(defectTag(exit), "RuntimeError")
      })
  )

  it.effect("CND-08 [tick] notify(n) wakes n waiters in FIFO order; notify(2048) wakes the rest", () =>
    Effect.gen(function* () {
      const cond = yield* asyncio.Condition.make()
      const result: Array<number> = []
      const c = (n: number) =>
        cond.withLock(
          Effect.gen(function* () {
            if (yield* cond.wait()) result.push(n)
            return true
          })
        )
      const tasks = [
        yield* asyncio.createTask(c(1)),
        yield* asyncio.createTask(c(2)),
        yield* asyncio.createTask(c(3))
      ]
      yield* tick
      assert.deepStrictEqual(result, [])
      yield* cond.withLock(cond.notify(1))
      yield* asyncio.sleep(0)
      assert.deepStrictEqual(result, [1])
      yield* cond.withLock(Effect.andThen(cond.notify(1), cond.notify(2048)))
      yield* asyncio.sleep(0)
      assert.deepStrictEqual(result, [1, 2, 3])
      for (const t of tasks) assert.isTrue(yield* t)
    })
  )

  it.effect("CND-10 notify() and notifyAll() without holding the lock are RuntimeError defects", () =>
    Effect.gen(function* () {
      const cond = yield* asyncio.Condition.make()
      for (const [name, call] of [
        ["notify", cond.notify()],
        ["notifyAll", cond.notifyAll()]
      ] as const) {
        const exit = yield* Effect.exit(call)
        assert.strictEqual(defectTag(exit), "RuntimeError")
        assert.strictEqual(defectMessage(exit), `Condition.${name}: cannot notify on un-acquired lock`)
      }
    })
  )

  it.effect(
    "CND-11 withLock locks the condition; a condition on an explicit lock shares its state both ways",
    () =>
      Effect.gen(function* () {
        const cond = yield* asyncio.Condition.make()
        assert.isTrue(yield* cond.withLock(cond.locked()))
        assert.isFalse(yield* cond.locked())

        const lock = yield* asyncio.Lock.make()
        const shared = yield* asyncio.Condition.make(lock)
        yield* lock.acquire()
        assert.isTrue(yield* shared.locked())
        yield* shared.release()
        assert.isFalse(yield* lock.locked())
        yield* shared.acquire()
        assert.isTrue(yield* lock.locked())
        yield* lock.release()

        const notALock = yield* Effect.exit(
          Effect.suspend(() => asyncio.Condition.make({} as asyncio.Lock.Lock))
        )
        assert.strictEqual(defectTag(notALock), "TypeError")
      })
  )

  it.effect(
    "CND-13 a waitFor() cancelled with a message while waiting ends cancelled with that message",
    () =>
      Effect.gen(function* () {
        const cond = yield* asyncio.Condition.make()
        const wake = false
        const task = yield* asyncio.createTask(cond.withLock(cond.waitFor(() => wake)))
        yield* asyncio.sleep(0)
        yield* task.cancel("foo")
        assert.isTrue(isInterrupted(yield* Effect.exit(task)))
        // Python re-raises the *same* CancelledError instance; ours is an interruption whose reason carries "foo"
        const error = yield* cancelledErrorOf(task)
        assert.strictEqual(error.cancelMessage, "foo")
        assert.isFalse(yield* cond.locked())
      })
  )

  it.effect(
    "CND-14 a waitFor() cancelled while re-acquiring ends cancelled with the message, holding then freeing the lock",
    () =>
      Effect.gen(function* () {
        const cond = yield* asyncio.Condition.make()
        let wake = false
        const task = yield* asyncio.createTask(cond.withLock(cond.waitFor(() => wake)))
        yield* asyncio.sleep(0)
        yield* cond.acquire()
        wake = true
        yield* cond.notify()
        yield* asyncio.sleep(0) // the task is now re-acquiring the lock
        yield* task.cancel("foo")
        yield* cond.release()
        assert.isTrue(isInterrupted(yield* Effect.exit(task)))
        const error = yield* cancelledErrorOf(task)
        assert.strictEqual(error.cancelMessage, "foo")
        assert.isFalse(yield* cond.locked())
      })
  )

  it.effect(
    "CND-16 a consumer cancelled while re-acquiring passes its notification on: state reaches 0",
    () =>
      Effect.gen(function* () {
        const { exit, elapsed } = yield* runVirtual(cancelledWakeup({ relock: true }))
        assert.deepStrictEqual(exit, Exit.succeed({ stateAfterWait: 0, c0: "cancelled", c1: "done" }))
        assert.strictEqual(elapsed, 0.01)
      })
  )

  it.effect(
    "(test_cancelled_wakeup) a consumer cancelled before it ran after notify passes it on: state reaches 0",
    () =>
      Effect.gen(function* () {
        const { exit, elapsed } = yield* runVirtual(cancelledWakeup({ relock: false }))
        assert.deepStrictEqual(exit, Exit.succeed({ stateAfterWait: 0, c0: "cancelled", c1: "done" }))
        assert.strictEqual(elapsed, 0.01)
      })
  )

  // ---------------------------------------------------------------------------------------------------------
  // Further behaviour
  // ---------------------------------------------------------------------------------------------------------

  it.effect(
    "releasing the lock and joining the wait queue happen in one step: a notify cannot slip between",
    () =>
      Effect.gen(function* () {
        const cond = yield* asyncio.Condition.make()
        const notifier = yield* asyncio.createTask(cond.withLock(cond.notify()))
        // the notifier is queued for the lock while we hold it; the wait releases the lock and queues in one step
        const woke = yield* cond.withLock(
          Effect.gen(function* () {
            yield* asyncio.sleep(0) // the notifier starts and blocks on the lock
            return yield* cond.wait()
          })
        )
        assert.isTrue(woke)
        yield* notifier
      })
  )

  it.effect("a waiter cancelled before it was notified does not consume a notification", () =>
    Effect.gen(function* () {
      const cond = yield* asyncio.Condition.make()
      const a = yield* asyncio.createTask(cond.withLock(cond.wait()))
      const b = yield* asyncio.createTask(cond.withLock(cond.wait()))
      yield* tick
      yield* a.cancel()
      yield* settle
      assert.isTrue(yield* a.cancelled())
      assert.strictEqual((yield* cond.statistics()).tasksWaiting, 1)
      yield* cond.withLock(cond.notify())
      yield* settle
      assert.isTrue(yield* b)
    })
  )

  it.effect("notifyAll() wakes every waiter; each returns in turn holding the lock", () =>
    Effect.gen(function* () {
      const cond = yield* asyncio.Condition.make()
      const order: Array<number> = []
      let inside = 0
      let maxInside = 0
      const c = (n: number) =>
        cond.withLock(
          Effect.gen(function* () {
            yield* cond.wait()
            inside++
            maxInside = Math.max(maxInside, inside)
            order.push(n)
            yield* asyncio.sleep(0)
            inside--
          })
        )
      const tasks = []
      for (const n of [1, 2, 3, 4]) tasks.push(yield* asyncio.createTask(c(n)))
      yield* tick
      yield* cond.withLock(cond.notifyAll())
      yield* asyncio.gather(...tasks)
      assert.deepStrictEqual(order, [1, 2, 3, 4])
      assert.strictEqual(maxInside, 1)
    })
  )

  it.effect("waitFor() returns the truthy value of the predicate once it holds", () =>
    Effect.gen(function* () {
      const cond = yield* asyncio.Condition.make()
      const items: Array<string> = []
      const consumer = yield* asyncio.createTask(
        cond.withLock(
          Effect.gen(function* () {
            const n = yield* cond.waitFor(() => items.length)
            return [n, items.shift()] as const
          })
        )
      )
      const program = Effect.gen(function* () {
        yield* asyncio.sleep(1)
        yield* cond.withLock(cond.notify()) // spurious: the predicate is still 0
        yield* asyncio.sleep(1)
        yield* cond.withLock(
          Effect.gen(function* () {
            items.push("item")
            yield* cond.notify()
          })
        )
        return yield* consumer
      })
      const { exit, elapsed } = yield* runVirtual(program)
      assert.deepStrictEqual(exit, Exit.succeed([1, "item"] as const))
      assert.strictEqual(elapsed, 2)
    })
  )
})

/**
 * CPython's `test_cancelled_wakeup` and `test_cancelled_wakeup_relock`: two consumers, one item; consumer 0 is
 * notified and cancelled at once (or, with `relock`, one iteration later while it re-acquires the lock). The
 * notification must not be lost: consumer 1 takes the item.
 */
const cancelledWakeup = (options: { readonly relock: boolean }) =>
  Effect.gen(function* () {
    const cond = yield* asyncio.Condition.make()
    let state = 0
    const consumer = cond.withLock(
      Effect.gen(function* () {
        while (true) {
          yield* cond.waitFor(() => state !== 0)
          if (state < 0) return
          state -= 1
        }
      })
    )
    const c = [yield* asyncio.createTask(consumer), yield* asyncio.createTask(consumer)]
    yield* asyncio.sleep(0)
    const stateAfterWait = yield* cond.withLock(
      Effect.gen(function* () {
        state += 1
        yield* cond.notify(1)
        if (options.relock) yield* asyncio.sleep(0)
        yield* c[0].cancel()
        // wait (at most 0.01 s) for the item to be consumed
        yield* Effect.exit(
          asyncio.waitFor(
            cond.waitFor(() => state === 0),
            0.01
          )
        )
        const seen = state
        state = -1
        yield* cond.notifyAll()
        return seen
      })
    )
    yield* Effect.exit(c[1])
    return {
      stateAfterWait,
      c0: (yield* c[0].cancelled()) ? "cancelled" : "not cancelled",
      c1: (yield* c[1].done()) ? "done" : "pending"
    }
  })

// -----------------------------------------------------------------------------------------------------------
// Properties
// -----------------------------------------------------------------------------------------------------------

type Op =
  | { readonly _tag: "produce"; readonly ticksInside: number; readonly cancelInside: number | null }
  | { readonly _tag: "cancel"; readonly consumer: number }
  | { readonly _tag: "tick" }

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc
    .record({
      ticksInside: fc.integer({ min: 0, max: 1 }),
      cancelInside: fc.option(fc.integer({ min: 0, max: 5 }), { nil: null })
    })
    .map((produce): Op => ({ _tag: "produce", ...produce })),
  fc.integer({ min: 0, max: 5 }).map((consumer): Op => ({ _tag: "cancel", consumer })),
  fc.constant<Op>({ _tag: "tick" })
)

/**
 * Six consumers wait for one item each; the test fiber then runs a random sequence of steps — produce an item
 * (push it and `notify(1)` under the lock, possibly letting a turn pass and cancelling a consumer before
 * releasing the lock), cancel a consumer, or let one scheduler turn pass — with no time in between, so
 * cancellations land in every window: while queued, right after being notified, while re-acquiring.
 */
const conditionScenario = (ops: ReadonlyArray<Op>) =>
  Effect.gen(function* () {
    const cond = yield* asyncio.Condition.make()
    const queue: Array<number> = []
    const taken: Array<number> = []
    let produced = 0
    const consumers: Array<asyncio.Task<true>> = []
    for (let i = 0; i < 6; i++) {
      consumers.push(
        yield* asyncio.createTask(
          // the item is taken inside the predicate, atomically with the check (under preemption a cancellation
          // could otherwise land between `waitFor` returning and the next step)
          cond.withLock(
            cond.waitFor(() => {
              if (queue.length === 0) return false
              taken.push(queue.shift()!)
              return true
            })
          )
        )
      )
    }
    yield* tick
    for (const op of ops) {
      switch (op._tag) {
        case "produce":
          yield* cond.withLock(
            Effect.gen(function* () {
              queue.push(produced++)
              yield* cond.notify(1)
              for (let i = 0; i < op.ticksInside; i++) yield* tick
              if (op.cancelInside !== null) yield* consumers[op.cancelInside].cancel()
            })
          )
          break
        case "cancel":
          yield* consumers[op.consumer].cancel()
          break
        case "tick":
          yield* tick
      }
    }
    yield* settle
    let waiting = 0
    for (const task of consumers) if (!(yield* task.done())) waiting++
    for (const task of consumers) yield* task.cancel()
    yield* settle
    return { taken, produced, left: queue.length, waiting, stats: yield* cond.statistics() }
  })

describe("Condition properties", () => {
  const produce = (ticksInside: number, cancelInside: number | null): Op => ({
    _tag: "produce",
    ticksInside,
    cancelInside
  })
  fcit.prop([fc.array(opArb, { maxLength: 16 }), fc.constantFrom(undefined, 3, 4, 5, 8)], {
    numRuns: 300,
    // the windows, for certain: cancelled right after being notified, and while re-acquiring the lock
    examples: [
      [[produce(0, null), { _tag: "cancel", consumer: 0 }], undefined],
      [[produce(1, 0)], undefined]
    ]
  })(
    "no notification is lost to a cancelled consumer: no item is left while a consumer still waits",
    async (ops, maxOps) => {
      // `maxOps`: when set, a tiny operation budget makes Effect yield between almost any two steps
      const scenario =
        maxOps === undefined
          ? conditionScenario(ops)
          : Effect.provideService(conditionScenario(ops), Scheduler.MaxOpsBeforeYield, maxOps)
      const exit = await Effect.runPromise(scenario.pipe(Effect.exit, Effect.provide(TestClock.layer())))
      assert.isTrue(Exit.isSuccess(exit))
      if (!Exit.isSuccess(exit)) return
      const { taken, produced, left, waiting, stats } = exit.value
      assert.strictEqual(new Set(taken).size, taken.length)
      assert.strictEqual(taken.length + left, produced)
      // a lost wake-up would leave a consumer waiting next to an item nobody takes
      assert.isTrue(left === 0 || waiting === 0, `left ${left} item(s) while ${waiting} consumer(s) wait`)
      assert.deepStrictEqual(stats, {
        tasksWaiting: 0,
        lockStatistics: { locked: false, owner: undefined, tasksWaiting: 0 }
      })
    }
  )
})
