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

/** Runs the jobs through one lock on virtual time; reports mutual exclusion, entry order and the final state. */
const lockScenario = (jobs: ReadonlyArray<Job>) =>
  Effect.gen(function* () {
    const lock = yield* asyncio.Lock.make()
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
            return lock.withLock(body)
          })
        )
      )
      tasks.push(task)
      if (job.cancelAt !== null) {
        yield* asyncio.createTask(Effect.andThen(asyncio.sleep(job.cancelAt), task.cancel()))
      }
    }
    yield* asyncio.gather(...tasks, { returnExceptions: true })
    return { maxInside, requested, entered, stats: yield* lock.statistics() }
  })

type Op =
  | { readonly _tag: "spawn" }
  | { readonly _tag: "finish"; readonly task: number }
  | { readonly _tag: "cancel"; readonly task: number }
  | { readonly _tag: "tick" }

// task numbers count from the oldest task that has not finished, so that steps hit the tasks in play
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.constant<Op>({ _tag: "spawn" }), weight: 3 },
  { arbitrary: fc.nat({ max: 3 }).map((task): Op => ({ _tag: "finish", task })), weight: 2 },
  { arbitrary: fc.nat({ max: 3 }).map((task): Op => ({ _tag: "cancel", task })), weight: 2 },
  { arbitrary: fc.constant<Op>({ _tag: "tick" }), weight: 3 }
)

/**
 * The test fiber runs a random sequence of steps with no time in between — start a task that takes the lock and
 * holds it until told to finish, tell one to finish, cancel one, or let one scheduler turn pass — so
 * cancellations land in every window: while queued, after being woken but before running, while holding it.
 */
const steppedScenario = (ops: ReadonlyArray<Op>) =>
  Effect.gen(function* () {
    const lock = yield* asyncio.Lock.make()
    let inside = 0
    let maxInside = 0
    const requested: Array<number> = []
    const entered: Array<number> = []
    const tasks: Array<{ readonly task: asyncio.Task<void>; readonly finish: asyncio.Event.Event }> = []
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
              return lock.withLock(body)
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
        case "tick":
          yield* tick
      }
    }
    for (const { finish } of tasks) yield* finish.set()
    yield* settle
    const stuck = (yield* inPlay).length
    for (const { task } of tasks) yield* task.cancel()
    yield* settle
    return { maxInside, requested, entered, stuck, stats: yield* lock.statistics() }
  })

describe("Lock properties", () => {
  const spawn: Op = { _tag: "spawn" }
  const tickOp: Op = { _tag: "tick" }
  const cancel0: Op = { _tag: "cancel", task: 0 }
  fcit.prop([fc.array(opArb, { maxLength: 24 })], {
    numRuns: 1000,
    // the window, for certain: a holder ends and the waiter it woke is cancelled before it runs
    examples: [
      [[spawn, spawn, spawn, tickOp, cancel0, cancel0]],
      [[spawn, spawn, spawn, tickOp, cancel0, spawn, tickOp]]
    ]
  })(
    "random steps with cancellations in every window: mutual exclusion, FIFO, progress, no leak",
    async (ops) => {
      const exit = await Effect.runPromise(
        steppedScenario(ops).pipe(Effect.exit, Effect.provide(TestClock.layer()))
      )
      assert.isTrue(Exit.isSuccess(exit))
      if (!Exit.isSuccess(exit)) return
      const { maxInside, requested, entered, stuck, stats } = exit.value
      assert.isAtMost(maxInside, 1)
      const enteredSet = new Set(entered)
      assert.deepStrictEqual(
        entered,
        requested.filter((i) => enteredSet.has(i))
      )
      assert.strictEqual(stuck, 0, "a task still waits although every holder has finished")
      assert.deepStrictEqual(stats, { locked: false, owner: undefined, tasksWaiting: 0 })
    }
  )

  fcit.prop([fc.array(opArb, { maxLength: 24 }), fc.constantFrom(3, 4, 5, 6, 8, 13)], { numRuns: 300 })(
    "when fibers are preempted every few operations, the lock is never held twice, never lost, nobody is stuck",
    async (ops, maxOps) => {
      // A tiny operation budget makes Effect yield between almost any two steps (see Semaphore.test.ts).
      const exit = await Effect.runPromise(
        steppedScenario(ops).pipe(
          Effect.provideService(Scheduler.MaxOpsBeforeYield, maxOps),
          Effect.exit,
          Effect.provide(TestClock.layer())
        )
      )
      assert.isTrue(Exit.isSuccess(exit))
      if (!Exit.isSuccess(exit)) return
      assert.isAtMost(exit.value.maxInside, 1)
      assert.strictEqual(exit.value.stuck, 0, "a task still waits although every holder has finished")
      assert.deepStrictEqual(exit.value.stats, { locked: false, owner: undefined, tasksWaiting: 0 })
    }
  )

  fcit.prop([fc.array(jobArb, { minLength: 1, maxLength: 12 })], { numRuns: 150 })(
    "at most one task holds the lock, entries follow request order, and the lock ends free",
    async (jobs) => {
      const { exit } = await Effect.runPromise(
        runVirtual(lockScenario(jobs)).pipe(Effect.provide(TestClock.layer()))
      )
      assert.isTrue(Exit.isSuccess(exit))
      if (!Exit.isSuccess(exit)) return
      const { maxInside, requested, entered, stats } = exit.value
      assert.isAtMost(maxInside, 1)
      const enteredSet = new Set(entered)
      assert.deepStrictEqual(
        entered,
        requested.filter((i) => enteredSet.has(i))
      )
      assert.deepStrictEqual(stats, { locked: false, owner: undefined, tasksWaiting: 0 })
    }
  )
})
