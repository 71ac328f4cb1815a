import { assert, describe, it } from "@effect/vitest"
import * as asyncio from "@effect-asyncio/core"
import { fc, it as fcit } from "@fast-check/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scheduler from "effect/Scheduler"
import { TestClock } from "effect/testing"
import { defectOf, defectTag, isInterrupted } from "./utils/exits.ts"
import { runVirtual, settle } from "./utils/virtual.ts"

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

// -----------------------------------------------------------------------------------------------------------
// Properties
// -----------------------------------------------------------------------------------------------------------

interface Job {
  readonly arrive: number
  readonly hold: number
  readonly cancelAt: number | null
}

const jobArb: fc.Arbitrary<Job> = fc.record({
  arrive: fc.integer({ min: 0, max: 4 }),
  hold: fc.integer({ min: 0, max: 3 }),
  cancelAt: fc.option(fc.integer({ min: 0, max: 8 }), { nil: null })
})

interface Observed {
  readonly maxInside: number
  readonly requested: ReadonlyArray<number>
  readonly entered: ReadonlyArray<number>
  readonly stats: asyncio.Semaphore.SemaphoreStatistics
}

/** Checks the three invariants: the bound, FIFO entry, and no leaked or lost permit at the end. */
const checkInvariants = (value: number, observed: Observed): void => {
  const { maxInside, requested, entered, stats } = observed
  assert.isAtMost(maxInside, value, "more tasks inside than permits")
  const enteredSet = new Set(entered)
  assert.deepStrictEqual(
    entered,
    requested.filter((i) => enteredSet.has(i)),
    "entries out of request order"
  )
  assert.strictEqual(stats.value, value, "a permit was leaked or created")
  assert.strictEqual(stats.tasksWaiting, 0)
  assert.strictEqual(stats.locked, value === 0)
}

/** Jobs arrive, hold a permit and get cancelled at random virtual times. */
const timedScenario = (value: number, bounded: boolean, jobs: ReadonlyArray<Job>) =>
  Effect.gen(function* () {
    const sem = bounded ? yield* asyncio.BoundedSemaphore.make(value) : yield* asyncio.Semaphore.make(value)
    let inside = 0
    let maxInside = 0
    const requested: Array<number> = []
    const entered: Array<number> = []
    const tasks = []
    for (const [i, job] of jobs.entries()) {
      const body = Effect.suspend(() => {
        entered.push(i)
        inside++
        maxInside = Math.max(maxInside, inside)
        return Effect.ensuring(
          asyncio.sleep(job.hold),
          Effect.sync(() => {
            inside--
          })
        )
      })
      const task = yield* asyncio.createTask(
        Effect.andThen(
          asyncio.sleep(job.arrive),
          Effect.suspend(() => {
            requested.push(i)
            return sem.withPermit(body)
          })
        )
      )
      tasks.push(task)
      if (job.cancelAt !== null) {
        yield* asyncio.createTask(Effect.andThen(asyncio.sleep(job.cancelAt), task.cancel()))
      }
    }
    yield* asyncio.gather(...tasks, { returnExceptions: true })
    return { maxInside, requested, entered, stats: yield* sem.statistics() }
  })

type Op =
  | { readonly _tag: "spawn" }
  | { readonly _tag: "finish"; readonly task: number }
  | { readonly _tag: "cancel"; readonly task: number }
  | { readonly _tag: "release" }
  | { readonly _tag: "tick" }

// task numbers count from the oldest task that has not finished, so that steps hit the tasks in play
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.constant<Op>({ _tag: "spawn" }), weight: 3 },
  { arbitrary: fc.nat({ max: 3 }).map((task): Op => ({ _tag: "finish", task })), weight: 2 },
  { arbitrary: fc.nat({ max: 3 }).map((task): Op => ({ _tag: "cancel", task })), weight: 2 },
  { arbitrary: fc.constant<Op>({ _tag: "release" }), weight: 1 },
  { arbitrary: fc.constant<Op>({ _tag: "tick" }), weight: 3 }
)

/**
 * The test fiber runs a random sequence of steps with no time in between — start a task that takes a permit and
 * holds it until told to finish, tell one to finish, cancel one, release an extra permit (plain semaphores only:
 * this raises the limit), or let one scheduler turn pass — so cancellations land in every window: while queued,
 * after being handed a permit but before running, while holding it.
 */
const steppedScenario = (value: number, bounded: boolean, ops: ReadonlyArray<Op>) =>
  Effect.gen(function* () {
    const sem = bounded ? yield* asyncio.BoundedSemaphore.make(value) : yield* asyncio.Semaphore.make(value)
    let inside = 0
    let maxInside = 0
    const requested: Array<number> = []
    const entered: Array<number> = []
    const tasks: Array<{ readonly task: asyncio.Task<void>; readonly finish: asyncio.Event.Event }> = []
    let extra = 0
    const inPlay = Effect.gen(function* () {
      const live = []
      for (const entry of tasks) if (!(yield* entry.task.done())) live.push(entry)
      return live
    })
    for (const op of ops) {
      switch (op._tag) {
        case "spawn": {
          const i = tasks.length
          const finish = yield* asyncio.Event.make()
          // entering is counted and its undoing registered in one uninterruptible step, even under preemption
          const body = Effect.acquireUseRelease(
            Effect.sync(() => {
              entered.push(i)
              inside++
              maxInside = Math.max(maxInside, inside)
            }),
            () => Effect.asVoid(finish.wait()),
            () =>
              Effect.sync(() => {
                inside--
              })
          )
          const task = yield* asyncio.createTask(
            Effect.suspend(() => {
              requested.push(i)
              return sem.withPermit(body)
            })
          )
          tasks.push({ task, finish })
          break
        }
        case "finish": {
          const live = yield* inPlay
          if (live.length > 0) yield* live[op.task % live.length].finish.set()
          break
        }
        case "cancel": {
          const live = yield* inPlay
          if (live.length > 0) yield* live[op.task % live.length].task.cancel()
          break
        }
        case "release":
          if (!bounded) {
            yield* sem.release()
            extra++
          }
          break
        case "tick":
          yield* tick
      }
    }
    for (const { finish } of tasks) yield* finish.set()
    yield* settle
    // progress: with every holder told to finish, no task may still be waiting for a permit
    const stuck = (yield* inPlay).length
    for (const { task } of tasks) yield* task.cancel()
    yield* settle
    return {
      limit: value + extra,
      stuck,
      observed: { maxInside, requested, entered, stats: yield* sem.statistics() }
    }
  })

describe("Semaphore properties", () => {
  fcit.prop(
    [fc.integer({ min: 1, max: 3 }), fc.boolean(), fc.array(jobArb, { minLength: 1, maxLength: 12 })],
    { numRuns: 150 }
  )(
    "random arrivals, holds and cancellations on virtual time: never more than `value` inside, FIFO, no leak",
    async (value, bounded, jobs) => {
      const { exit } = await Effect.runPromise(
        runVirtual(timedScenario(value, bounded, jobs)).pipe(Effect.provide(TestClock.layer()))
      )
      assert.isTrue(Exit.isSuccess(exit))
      if (Exit.isSuccess(exit)) checkInvariants(value, exit.value)
    }
  )

  const spawn: Op = { _tag: "spawn" }
  const tickOp: Op = { _tag: "tick" }
  const cancel0: Op = { _tag: "cancel", task: 0 }
  fcit.prop(
    [
      fc.integer({ min: 1, max: 3 }),
      fc.boolean(),
      fc.array(opArb, { maxLength: 24 }),
      fc.constantFrom(3, 4, 5, 6, 8, 13)
    ],
    { numRuns: 300 }
  )(
    "when fibers are preempted every few operations, no permit is leaked or created and nobody is stuck",
    async (value, bounded, ops, maxOps) => {
      // A tiny operation budget makes Effect yield between almost any two steps — between a fast-path check and
      // the parking of the waiter, right after a waiter is resumed, while an interrupted fiber unwinds — so this
      // checks the hand-over itself. The request and entry logs are not exact under preemption (a task may be
      // preempted between logging and calling), so FIFO is left to the property above.
      const exit = await Effect.runPromise(
        steppedScenario(value, bounded, ops).pipe(
          Effect.provideService(Scheduler.MaxOpsBeforeYield, maxOps),
          Effect.exit,
          Effect.provide(TestClock.layer())
        )
      )
      assert.isTrue(Exit.isSuccess(exit))
      if (!Exit.isSuccess(exit)) return
      const { limit, stuck, observed } = exit.value
      assert.strictEqual(stuck, 0, "a task still waits although every holder has finished")
      assert.isAtMost(observed.maxInside, limit, "more tasks inside than permits")
      assert.strictEqual(observed.stats.value, limit, "a permit was leaked or created")
      assert.strictEqual(observed.stats.tasksWaiting, 0)
    }
  )

  fcit.prop([fc.integer({ min: 1, max: 3 }), fc.boolean(), fc.array(opArb, { maxLength: 24 })], {
    numRuns: 1000,
    // the windows, for certain: a holder ends and the waiter it woke is cancelled before it runs
    examples: [
      [1, false, [spawn, spawn, spawn, tickOp, cancel0, cancel0]],
      [1, true, [spawn, spawn, spawn, tickOp, { _tag: "finish", task: 0 }, tickOp, cancel0]],
      [1, false, [spawn, spawn, tickOp, { _tag: "release" }, { _tag: "cancel", task: 1 }]],
      // a newcomer arrives while a woken waiter has not run yet: it must queue behind it
      [2, false, [spawn, spawn, spawn, tickOp, { _tag: "finish", task: 1 }, spawn, cancel0]]
    ]
  })(
    "random steps with cancellations in every window: never more than `value` inside, FIFO, no leak",
    async (value, bounded, ops) => {
      const exit = await Effect.runPromise(
        steppedScenario(value, bounded, ops).pipe(Effect.exit, Effect.provide(TestClock.layer()))
      )
      assert.isTrue(Exit.isSuccess(exit))
      if (!Exit.isSuccess(exit)) return
      assert.strictEqual(exit.value.stuck, 0, "a task still waits although every holder has finished")
      checkInvariants(exit.value.limit, exit.value.observed)
    }
  )
})
