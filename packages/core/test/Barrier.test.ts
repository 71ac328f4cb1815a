import { assert, describe, it } from "@effect/vitest"
import * as asyncio from "@effect-asyncio/core"
import { fc, it as fcit } from "@fast-check/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { TestClock } from "effect/testing"
import { defectOf, defectTag, failureOf, isInterrupted } from "./utils/exits.ts"
import { runVirtual, settle } from "./utils/virtual.ts"

/**
 * One asyncio loop iteration: a single `yieldNow` of the test fiber lets every fiber that was ready run once (see
 * Lock.test.ts). The Barrier [tick] cases hold as written.
 */
const tick = Effect.yieldNow

const N = 5

/** CPython's `gather_tasks`: `n` tasks running `coro`, gathered. */
const gatherTasks = <A, E>(n: number, coro: () => Effect.Effect<A, E>) =>
  Effect.gen(function* () {
    const tasks: Array<asyncio.Task<A, E>> = []
    for (let i = 0; i < n; i++) tasks.push(yield* asyncio.createTask(coro()))
    return yield* asyncio.gather(...tasks)
  })

/** Catches `BrokenBarrierError`, running `onBroken` instead. */
const onBroken =
  <B, E2>(handler: () => Effect.Effect<B, E2>) =>
  <A, E>(self: Effect.Effect<A, E | asyncio.BrokenBarrierError>) =>
    Effect.catchTag(self, "BrokenBarrierError", () => handler())

const count = (barrier: asyncio.Barrier.Barrier) => Effect.map(barrier.statistics(), (s) => s.count)
const state = (barrier: asyncio.Barrier.Barrier) => Effect.map(barrier.statistics(), (s) => s.state)

describe("Barrier", () => {
  // ---------------------------------------------------------------------------------------------------------
  // Conformance cases
  // ---------------------------------------------------------------------------------------------------------

  it.effect("BAR-01 fewer than one party is a ValueError defect; Barrier(5) is fine", () =>
    Effect.gen(function* () {
      for (const parties of [0, -4]) {
        const exit = yield* Effect.exit(asyncio.Barrier.make(parties))
        assert.strictEqual(defectTag(exit), "ValueError")
        const defect = defectOf(exit)
        assert.strictEqual(
          defect instanceof Error ? defect.message : undefined,
          `Barrier.make: parties must be an integer >= 1, got ${parties}`
        )
      }
      assert.strictEqual(defectTag(yield* Effect.exit(asyncio.Barrier.make(2.5))), "ValueError")
      const barrier = yield* asyncio.Barrier.make(N)
      assert.isTrue(asyncio.Barrier.isBarrier(barrier))
      assert.strictEqual(barrier.parties, N)
      assert.strictEqual(String(barrier), "<Barrier [filling, waiters:0/5]>")
    })
  )

  it.effect("BAR-02 three tasks get the indices 0, 1, 2; afterwards nobody waits and it is not broken", () =>
    Effect.gen(function* () {
      const barrier = yield* asyncio.Barrier.make(3)
      const results: Array<number> = []
      yield* gatherTasks(3, () => Effect.map(barrier.wait(), (i) => results.push(i)))
      assert.deepStrictEqual(
        results.toSorted((a, b) => a - b),
        [0, 1, 2]
      )
      assert.strictEqual(yield* barrier.nWaiting(), 0)
      assert.isFalse(yield* barrier.broken())
    })
  )

  it.effect("BAR-04 [tick] a one-party barrier lets one task through at a time, each with index 0", () =>
    Effect.gen(function* () {
      const barrier = yield* asyncio.Barrier.make(1)
      const t1 = yield* asyncio.createTask(barrier.wait())
      yield* tick
      assert.strictEqual(yield* barrier.nWaiting(), 0)
      const t2 = yield* asyncio.createTask(barrier.wait())
      yield* tick
      assert.isTrue(yield* t1.done())
      assert.isTrue(yield* t2.done())
      assert.strictEqual(yield* t1.result(), yield* t2.result())
      assert.strictEqual(yield* t1, 0)
      assert.strictEqual(yield* barrier.nWaiting(), 0)
      assert.isFalse(yield* barrier.broken())
    })
  )

  it.effect("BAR-05 [tick] arrivals one per tick fill the barrier; the last releases everyone", () =>
    Effect.gen(function* () {
      const barrier = yield* asyncio.Barrier.make(3)
      const t1 = yield* asyncio.createTask(barrier.wait())
      yield* tick
      assert.strictEqual(yield* barrier.nWaiting(), 1)
      assert.strictEqual(String(barrier), "<Barrier [filling, waiters:1/3]>")
      const t2 = yield* asyncio.createTask(barrier.wait())
      yield* tick
      assert.strictEqual(yield* barrier.nWaiting(), 2)
      assert.strictEqual(yield* state(barrier), "filling")
      const t3 = yield* asyncio.createTask(barrier.wait())
      yield* tick
      assert.deepStrictEqual(yield* asyncio.gather(t1, t2, t3), [0, 1, 2])
      assert.strictEqual(yield* barrier.nWaiting(), 0)
      assert.isFalse(yield* barrier.broken())
    })
  )

  it.effect("BAR-07 the second-phase indices of five tasks are 0…4", () =>
    Effect.gen(function* () {
      const barrier = yield* asyncio.Barrier.make(N)
      const results1: Array<boolean> = []
      const results2: Array<boolean> = []
      const res = yield* gatherTasks(N, () =>
        Effect.gen(function* () {
          yield* barrier.wait()
          results1.push(true)
          const i = yield* barrier.wait()
          results2.push(true)
          return i
        })
      )
      assert.strictEqual(results1.length, N)
      assert.strictEqual(results2.length, N)
      assert.deepStrictEqual(
        res.toSorted((a, b) => a - b),
        [0, 1, 2, 3, 4]
      )
      assert.strictEqual(yield* barrier.nWaiting(), 0)
      assert.isFalse(yield* barrier.broken())
    })
  )

  it.effect(
    "BAR-08 tasks leaving the barrier see it draining, except the last one out, which sees it filling",
    () =>
      Effect.gen(function* () {
        const barrier = yield* asyncio.Barrier.make(N)
        const results: Array<boolean> = []
        yield* gatherTasks(N, () =>
          Effect.andThen(
            barrier.wait(),
            Effect.map(state(barrier), (s) => results.push(s === "draining"))
          )
        )
        assert.strictEqual(results.length, N)
        assert.deepStrictEqual(results, [true, true, true, true, false])
      })
  )

  it.effect("BAR-10 [tick] cancelling a waiting task removes it without breaking the barrier", () =>
    Effect.gen(function* () {
      const barrier = yield* asyncio.Barrier.make(3)
      const results: Array<boolean> = []
      const coro = Effect.andThen(
        barrier.wait(),
        Effect.sync(() => results.push(true))
      )
      const t1 = yield* asyncio.createTask(coro)
      yield* tick
      assert.strictEqual(yield* barrier.nWaiting(), 1)
      const t2 = yield* asyncio.createTask(coro)
      yield* tick
      assert.strictEqual(yield* barrier.nWaiting(), 2)
      yield* t1.cancel()
      yield* tick
      assert.strictEqual(yield* barrier.nWaiting(), 1)
      assert.isTrue(isInterrupted(yield* Effect.exit(t1)))
      assert.isTrue(yield* t1.cancelled())
      const t3 = yield* asyncio.createTask(coro)
      yield* tick
      assert.strictEqual(yield* barrier.nWaiting(), 2)
      const t4 = yield* asyncio.createTask(coro)
      yield* asyncio.gather(t2, t3, t4)
      assert.strictEqual(results.length, 3)
      assert.strictEqual(yield* barrier.nWaiting(), 0)
      assert.isFalse(yield* barrier.broken())
    })
  )

  it.effect("BAR-11 reset() on an idle barrier leaves it filling and not broken", () =>
    Effect.gen(function* () {
      const barrier = yield* asyncio.Barrier.make(1)
      yield* asyncio.createTask(barrier.reset())
      yield* asyncio.sleep(0)
      assert.strictEqual(yield* barrier.nWaiting(), 0)
      assert.isFalse(yield* barrier.broken())
      assert.strictEqual(yield* state(barrier), "filling")
    })
  )

  it.effect("BAR-13 a reset while half the tasks are still draining breaks only those still inside", () =>
    Effect.gen(function* () {
      const barrier = yield* asyncio.Barrier.make(N)
      const results1: Array<boolean> = []
      const restOfTasks = Math.floor(N / 2)
      yield* gatherTasks(N, () =>
        barrier.wait().pipe(
          Effect.andThen(
            Effect.gen(function* () {
              // a drained task, outside the barrier
              if ((yield* count(barrier)) === restOfTasks) yield* barrier.reset()
            })
          ),
          onBroken(() => Effect.sync(() => results1.push(true)))
        )
      )
      assert.deepStrictEqual(results1, Array(restOfTasks).fill(true))
      assert.strictEqual(yield* barrier.nWaiting(), 0)
      assert.notStrictEqual(yield* state(barrier), "resetting")
      assert.isFalse(yield* barrier.broken())
    })
  )

  it.effect("BAR-14 tasks held back by draining are never broken by a reset; everyone completes", () =>
    Effect.gen(function* () {
      const barrier = yield* asyncio.Barrier.make(N)
      const results1: Array<boolean> = []
      const results2: Array<boolean> = []
      const blockingTasks = Math.floor(N / 2)
      let passed = 0
      yield* gatherTasks(N, () =>
        barrier.wait().pipe(
          Effect.andThen(
            Effect.gen(function* () {
              passed++
              if (passed > blockingTasks) {
                // reset now: the tasks still waiting get BrokenBarrierError
                yield* barrier.reset()
                yield* barrier.wait()
              } else {
                yield* barrier.wait().pipe(onBroken(() => Effect.sync(() => results2.push(true))))
              }
            })
          ),
          onBroken(() =>
            Effect.gen(function* () {
              results1.push(true)
              yield* barrier.wait()
            })
          )
        )
      )
      assert.deepStrictEqual(results1, Array(blockingTasks).fill(true))
      assert.deepStrictEqual(results2, [])
      assert.strictEqual(yield* barrier.nWaiting(), 0)
      assert.notStrictEqual(yield* state(barrier), "resetting")
      assert.isFalse(yield* barrier.broken())
    })
  )

  it.effect(
    "BAR-16 the last task out resets and waits again; the others' second wait succeeds; all pass a third time",
    () =>
      Effect.gen(function* () {
        const barrier = yield* asyncio.Barrier.make(N)
        const results1: Array<boolean> = []
        const results2: Array<boolean> = []
        const results3: Array<boolean> = []
        let passed = 0
        yield* gatherTasks(N, () =>
          Effect.gen(function* () {
            yield* barrier.wait()
            passed++
            if (passed === N) {
              // the last task out of the barrier
              yield* barrier.reset()
              yield* barrier.wait()
            } else {
              yield* barrier.wait().pipe(
                Effect.andThen(Effect.sync(() => results1.push(true))),
                Effect.catch(() => Effect.sync(() => results2.push(true)))
              )
            }
            yield* barrier.wait()
            results3.push(true)
          })
        )
        assert.isFalse(yield* barrier.broken())
        assert.strictEqual(results1.length, N - 1)
        assert.strictEqual(results2.length, 0)
        assert.strictEqual(results3.length, N)
        assert.strictEqual(yield* barrier.nWaiting(), 0)
      })
  )

  it.effect("BAR-17 abort() breaks an idle barrier", () =>
    Effect.gen(function* () {
      const barrier = yield* asyncio.Barrier.make(1)
      yield* asyncio.createTask(barrier.abort())
      yield* asyncio.sleep(0)
      assert.strictEqual(yield* barrier.nWaiting(), 0)
      assert.isTrue(yield* barrier.broken())
      assert.strictEqual(String(barrier), "<Barrier [broken]>")
      const exit = yield* Effect.exit(barrier.wait())
      assert.strictEqual(failureOf(exit)?._tag, "BrokenBarrierError")
      assert.strictEqual(failureOf(exit)?.message, "Barrier aborted")
    })
  )

  it.effect(
    "BAR-19 a task that fails inside the barrier and aborts it breaks every other task's next wait",
    () =>
      Effect.gen(function* () {
        const barrier = yield* asyncio.Barrier.make(N)
        const results1: Array<boolean> = []
        const results2: Array<boolean> = []
        class Oops {
          readonly _tag = "Oops"
        }
        yield* gatherTasks(N, () =>
          Effect.gen(function* () {
            const i = yield* barrier.wait()
            if (i === Math.floor(N / 2)) return yield* Effect.fail(new Oops())
            yield* barrier.wait()
            results1.push(true)
          }).pipe(
            Effect.catchTag("BrokenBarrierError", () => Effect.sync(() => results2.push(true))),
            Effect.catchTag("Oops", () => barrier.abort())
          )
        )
        assert.isTrue(yield* barrier.broken())
        assert.strictEqual(results1.length, 0)
        assert.strictEqual(results2.length, N - 1)
      })
  )

  it.effect(
    "BAR-20 after an abort, syncing on a second barrier and resetting the first lets everyone pass it",
    () =>
      Effect.gen(function* () {
        const barrier1 = yield* asyncio.Barrier.make(N)
        const barrier2 = yield* asyncio.Barrier.make(N)
        const results1: Array<boolean> = []
        const results2: Array<boolean> = []
        const results3: Array<boolean> = []
        class Oops {
          readonly _tag = "Oops"
        }
        yield* gatherTasks(N, () =>
          Effect.gen(function* () {
            yield* Effect.gen(function* () {
              const i = yield* barrier1.wait()
              if (i === Math.floor(N / 2)) return yield* Effect.fail(new Oops())
              yield* barrier1.wait()
              results1.push(true)
            }).pipe(
              Effect.catchTag("BrokenBarrierError", () => Effect.sync(() => results2.push(true))),
              Effect.catchTag("Oops", () => barrier1.abort())
            )
            // synchronise (so that everyone has left barrier1), reset, synchronise again
            const i = yield* barrier2.wait()
            if (i === Math.floor(N / 2)) yield* barrier1.reset()
            yield* barrier2.wait()
            yield* barrier1.wait()
            results3.push(true)
          })
        )
        assert.isFalse(yield* barrier1.broken())
        assert.strictEqual(results1.length, 0)
        assert.strictEqual(results2.length, N - 1)
        assert.strictEqual(results3.length, N)
      })
  )

  // ---------------------------------------------------------------------------------------------------------
  // Further behaviour (CPython tests not in the case list)
  // ---------------------------------------------------------------------------------------------------------

  it.effect("(test_filling_tasks_wait_twice) five tasks pass the barrier twice in lock-step", () =>
    Effect.gen(function* () {
      const barrier = yield* asyncio.Barrier.make(N)
      const results: Array<boolean> = []
      yield* gatherTasks(N, () =>
        Effect.gen(function* () {
          yield* barrier.wait()
          results.push(true)
          yield* barrier.wait()
          results.push(false)
        })
      )
      assert.deepStrictEqual(results, [...Array(N).fill(true), ...Array(N).fill(false)])
      assert.strictEqual(yield* barrier.nWaiting(), 0)
    })
  )

  it.effect(
    "(test_blocking_tasks_while_draining) tasks re-waiting during draining are held until it ends",
    () =>
      Effect.gen(function* () {
        const rewait = 2
        const barrier = yield* asyncio.Barrier.make(N)
        const barrierNoWaiting = yield* asyncio.Barrier.make(N - rewait)
        let rewaitN = rewait
        yield* gatherTasks(N, () =>
          Effect.gen(function* () {
            yield* barrier.wait()
            if (rewaitN > 0) {
              rewaitN--
              yield* barrier.wait()
            } else {
              yield* barrierNoWaiting.wait()
              yield* barrier.wait()
            }
          })
        )
        assert.isFalse(yield* barrier.broken())
        assert.strictEqual(yield* barrier.nWaiting(), 0)
      })
  )

  it.effect(
    "(test_reset_barrier_while_tasks_waiting) a reset breaks every waiting task and leaves the barrier filling",
    () =>
      Effect.gen(function* () {
        const barrier = yield* asyncio.Barrier.make(N)
        const results: Array<string> = []
        const tasks = []
        for (let i = 0; i < N - 1; i++) {
          tasks.push(
            yield* asyncio.createTask(
              barrier.wait().pipe(onBroken(() => Effect.sync(() => results.push("broken"))))
            )
          )
        }
        yield* asyncio.sleep(0)
        yield* asyncio.createTask(barrier.reset())
        yield* asyncio.gather(...tasks)
        assert.deepStrictEqual(results, Array(N - 1).fill("broken"))
        assert.strictEqual(yield* barrier.nWaiting(), 0)
        assert.strictEqual(yield* state(barrier), "filling")
        assert.isFalse(yield* barrier.broken())
      })
  )

  it.effect(
    "(test_abort_barrier_when_tasks_half_draining_half_blocking) an abort breaks the draining and the blocked tasks",
    () =>
      Effect.gen(function* () {
        const barrier = yield* asyncio.Barrier.make(N)
        const results1: Array<boolean> = []
        const results2: Array<boolean> = []
        const blockingTasks = Math.floor(N / 2)
        let passed = 0
        yield* gatherTasks(N, () =>
          barrier.wait().pipe(
            Effect.andThen(
              Effect.gen(function* () {
                passed++
                if (passed > blockingTasks) {
                  yield* barrier.abort()
                } else {
                  yield* barrier.wait().pipe(onBroken(() => Effect.sync(() => results2.push(true))))
                }
              })
            ),
            onBroken(() => Effect.sync(() => results1.push(true)))
          )
        )
        assert.isTrue(yield* barrier.broken())
        // the tasks still leaving their first wait see the abort; the ones already re-waiting are broken too
        assert.deepStrictEqual(results1, Array(blockingTasks).fill(true))
        assert.deepStrictEqual(results2, Array(N - blockingTasks - 1).fill(true))
        assert.strictEqual(yield* barrier.nWaiting(), 0)
      })
  )

  it.effect(
    "(test_reset_barrier_while_tasks_waiting_and_waiting_again) broken waiters wait again and pass with a newcomer",
    () =>
      Effect.gen(function* () {
        const barrier = yield* asyncio.Barrier.make(N)
        const results1: Array<boolean> = []
        const results2: Array<boolean> = []
        const coro1 = barrier.wait().pipe(
          onBroken(() => Effect.sync(() => results1.push(true))),
          Effect.andThen(barrier.wait()),
          Effect.andThen(Effect.sync(() => results2.push(true)))
        )
        const tasks = []
        for (let i = 0; i < N - 1; i++) tasks.push(yield* asyncio.createTask(coro1))
        // reset: the N-1 waiting tasks get BrokenBarrierError
        yield* asyncio.createTask(barrier.reset())
        yield* asyncio.sleep(0)
        // complete the waiting tasks' second wait
        yield* asyncio.createTask(
          Effect.andThen(
            barrier.wait(),
            Effect.sync(() => results2.push(true))
          )
        )
        yield* asyncio.gather(...tasks)
        assert.isFalse(yield* barrier.broken())
        assert.strictEqual(results1.length, N - 1)
        assert.strictEqual(results2.length, N)
        assert.strictEqual(yield* barrier.nWaiting(), 0)
      })
  )

  it.effect("the state machine is visible: filling, draining, resetting, broken", () =>
    Effect.gen(function* () {
      const barrier = yield* asyncio.Barrier.make(N)
      const waiters: Array<asyncio.Task<Exit.Exit<number, asyncio.BrokenBarrierError>>> = []
      const spawn = (n: number) =>
        Effect.gen(function* () {
          for (let i = 0; i < n; i++) waiters.push(yield* asyncio.createTask(Effect.exit(barrier.wait())))
          yield* asyncio.sleep(0)
        })
      yield* spawn(2)
      assert.strictEqual(String(barrier), "<Barrier [filling, waiters:2/5]>")
      yield* spawn(3)
      assert.strictEqual(yield* state(barrier), "draining")
      yield* spawn(2)
      yield* barrier.reset()
      assert.strictEqual(yield* state(barrier), "resetting")
      yield* spawn(2)
      yield* barrier.abort()
      assert.strictEqual(String(barrier), "<Barrier [broken]>")
      assert.strictEqual(yield* barrier.nWaiting(), 0)
      yield* settle
      assert.deepStrictEqual(yield* barrier.statistics(), {
        state: "broken",
        parties: N,
        nWaiting: 0,
        count: 0
      })
      const outcomes = []
      for (const w of waiters) outcomes.push(yield* w)
      // 5 passed; the 2 that came while draining, then reset, and the 2 that came while resetting were broken
      assert.strictEqual(outcomes.filter(Exit.isSuccess).length, 5)
      assert.strictEqual(outcomes.filter((e) => failureOf(e)?._tag === "BrokenBarrierError").length, 4)
    })
  )

  it.effect(
    "three workers arriving at 1, 2 and 3 seconds all pass at 3 seconds with indices in arrival order",
    () =>
      Effect.gen(function* () {
        const barrier = yield* asyncio.Barrier.make(3)
        const worker = (delay: number) => Effect.andThen(asyncio.sleep(delay), barrier.wait())
        const { exit, elapsed } = yield* runVirtual(asyncio.gather(worker(1), worker(2), worker(3)))
        assert.deepStrictEqual(exit, Exit.succeed([0, 1, 2]))
        assert.strictEqual(elapsed, 3)
      })
  )
})

// -----------------------------------------------------------------------------------------------------------
// Properties
// -----------------------------------------------------------------------------------------------------------

/**
 * Parties arrive at random times, some are cancelled at random times, and extra tasks arrive until every round
 * completes: the barrier is never broken by cancellations, a round releases exactly `parties` tasks at once, and
 * it ends filling with nobody inside.
 */
const barrierScenario = (
  parties: number,
  arrivals: ReadonlyArray<number>,
  cancels: ReadonlyArray<number | null>
) =>
  Effect.gen(function* () {
    const barrier = yield* asyncio.Barrier.make(parties)
    const released: Array<number> = []
    const tasks = []
    for (const [i, at] of arrivals.entries()) {
      const task = yield* asyncio.createTask(
        Effect.andThen(
          asyncio.sleep(at),
          Effect.andThen(
            barrier.wait(),
            Effect.flatMap(
              Effect.clockWith((clock) => clock.currentTimeMillis),
              (t) => Effect.sync(() => released.push(t))
            )
          )
        )
      )
      tasks.push(task)
      const cancelAt = cancels[i]
      if (cancelAt !== null && cancelAt !== undefined) {
        yield* asyncio.createTask(Effect.andThen(asyncio.sleep(cancelAt), task.cancel()))
      }
    }
    yield* asyncio.sleep(100)
    // top up the last round so that every remaining waiter is released
    const waiting = yield* barrier.nWaiting()
    const extra = []
    if (waiting > 0) {
      for (let i = waiting; i < parties; i++) extra.push(yield* asyncio.createTask(barrier.wait()))
    }
    yield* asyncio.gather(...extra)
    yield* asyncio.gather(...tasks, { returnExceptions: true })
    const cancelled = []
    for (const task of tasks) cancelled.push(yield* task.cancelled())
    return { released, cancelled, stats: yield* barrier.statistics() }
  })

describe("Barrier properties", () => {
  fcit.prop(
    [
      fc.integer({ min: 1, max: 4 }),
      fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 10 }),
      fc.array(fc.option(fc.integer({ min: 0, max: 8 }), { nil: null }), { maxLength: 10 })
    ],
    { numRuns: 150 }
  )(
    "cancellations never break the barrier; every task not cancelled passes, in whole rounds",
    async (parties, arrivals, cancels) => {
      const { exit } = await Effect.runPromise(
        runVirtual(barrierScenario(parties, arrivals, cancels)).pipe(Effect.provide(TestClock.layer()))
      )
      assert.isTrue(Exit.isSuccess(exit))
      if (!Exit.isSuccess(exit)) return
      const { released, cancelled, stats } = exit.value
      const notCancelled = cancelled.filter((c) => !c).length
      // every task that was not cancelled passed (the top-up tasks are not in `released`)
      assert.strictEqual(released.length, notCancelled)
      assert.deepStrictEqual(stats, { state: "filling", parties, nWaiting: 0, count: 0 })
    }
  )
})
