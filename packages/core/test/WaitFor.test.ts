/**
 * `waitFor`: the WF conformance cases (docs/conformance.md) and asyncio's `wait_for`
 * (https://docs.python.org/3/library/asyncio-task.html#asyncio.wait_for; 3.12+ semantics). Virtual time; elapsed times
 * are exact.
 *
 * WF-01, WF-02 and WF-14 rely on the inner work swallowing its cancellation, which ours cannot do
 * (docs/semantics.md, decision 1): they are written as tests of our behaviour, with an uninterruptible region as
 * the closest thing Effect has to "ignore the cancellation".
 */

import { assert, describe, it } from "@effect/vitest"
import * as asyncio from "@effect-asyncio/core"
import * as Data from "effect/Data"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import {
  cancelledErrorOf,
  defectOf,
  failureOf,
  isInterrupted,
  recordingTimers,
  stateOf,
  type TimerRecord
} from "./utils/taskState.ts"
import { now, runVirtual } from "./utils/virtual.ts"

class Boom extends Data.TaggedError("Boom")<{ readonly message: string }> {}

/** Runs `effect` on virtual time and fails the test if it does not succeed; returns the value and elapsed time. */
const virtual = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.flatMap(runVirtual(effect), ({ exit, elapsed }) => Effect.map(exit, (value) => ({ value, elapsed })))

/** The TimeoutError a `waitFor` exit failed with; dies (failing the test) if it did not. */
const timeoutErrorOf = <A, E>(exit: Exit.Exit<A, E>): asyncio.TimeoutError => {
  const error = failureOf(exit)
  assert.instanceOf(error, asyncio.TimeoutError, `expected a TimeoutError, got ${String(exit)}`)
  return error as unknown as asyncio.TimeoutError
}

/** Python's SlowTask: sleeps in steps of 0.05 until t ≥ 0.2, then sets `exited` (here: in a finalizer). */
const slowTask = (state: { exited: boolean; exitedAt?: number }) =>
  Effect.gen(function* () {
    while ((yield* now) < 0.2) yield* asyncio.sleep(0.05)
    return "slow value"
  }).pipe(
    Effect.ensuring(
      Effect.flatMap(now, (t) =>
        Effect.sync(() => {
          state.exited = true
          state.exitedAt = t
        })
      )
    )
  )

/** Sleeps 10; on cancellation sleeps `cleanup` before ending cancelled; records when its finalizer ran. */
const slowToCancel = (cleanup: number, log: Array<string>) =>
  asyncio.sleep(10, "inner value").pipe(
    Effect.onInterrupt(() =>
      Effect.andThen(
        asyncio.sleep(cleanup),
        Effect.flatMap(now, (t) =>
          Effect.sync(() => {
            log.push(`inner cleaned up at ${t}`)
          })
        )
      )
    )
  )

describe("WF — waitFor", () => {
  it.effect(
    "WF-01 cancelling the caller: waitFor waits for the inner work to end, then the caller ends cancelled",
    () =>
      Effect.gen(function* () {
        // Python 3.12+: SlowTask swallows every cancellation, so W returns its value at t=0.2. Ours cannot swallow:
        // the inner work is interrupted at once, its finalizer runs before W is done, and W ends cancelled.
        const slow = { exited: false }
        const { value, elapsed } = yield* virtual(
          Effect.gen(function* () {
            const w = yield* asyncio.createTask(asyncio.waitFor(slowTask(slow), 0.4))
            yield* asyncio.sleep(0)
            yield* w.cancel()
            const { done } = yield* asyncio.wait([w])
            return { waitedDone: done.has(w), exited: slow.exited, state: (yield* stateOf(w))._tag }
          })
        )
        assert.deepStrictEqual(value, { waitedDone: true, exited: true, state: "Cancelled" })
        assert.strictEqual(elapsed, 0)
      })
  )

  it.effect(
    "WF-01 an uninterruptible inner keeps the cancelled caller waiting until it ends (t=0.2), still cancelled",
    () =>
      Effect.gen(function* () {
        // The nearest thing to Python's "ignore the cancellation": the inner work finishes (t=0.2) and waitFor waits
        // for it, as in Python; but the outcome stays a cancellation — the value is not returned.
        const slow: { exited: boolean; exitedAt?: number } = { exited: false }
        const { value, elapsed } = yield* virtual(
          Effect.gen(function* () {
            const w = yield* asyncio.createTask(asyncio.waitFor(Effect.uninterruptible(slowTask(slow)), 0.4))
            yield* asyncio.sleep(0)
            yield* w.cancel()
            yield* asyncio.wait([w])
            return { doneAt: yield* now, exitedAt: slow.exitedAt, state: (yield* stateOf(w))._tag }
          })
        )
        assert.deepStrictEqual(value, { doneAt: 0.2, exitedAt: 0.2, state: "Cancelled" })
        assert.strictEqual(elapsed, 0.2)
      })
  )

  it.effect(
    "WF-02 waitFor(slow, 0.1): the inner work is interrupted at t=0.1, its finalizer runs, TimeoutError",
    () =>
      Effect.gen(function* () {
        // Python 3.11–3.13: no TimeoutError, SlowTask's value at t=0.2 (it swallowed the expiry). Ours: TimeoutError.
        const slow: { exited: boolean; exitedAt?: number } = { exited: false }
        const { exit, elapsed } = yield* runVirtual(asyncio.waitFor(slowTask(slow), 0.1))
        timeoutErrorOf(exit)
        assert.deepStrictEqual(slow, { exited: true, exitedAt: 0.1 })
        assert.strictEqual(elapsed, 0.1)
      })
  )

  it.effect(
    "WF-02 an uninterruptible inner runs to its end (t=0.2) and waitFor then fails with TimeoutError",
    () =>
      Effect.gen(function* () {
        const slow: { exited: boolean; exitedAt?: number } = { exited: false }
        const { exit, elapsed } = yield* runVirtual(
          asyncio.waitFor(Effect.uninterruptible(slowTask(slow)), 0.1)
        )
        timeoutErrorOf(exit)
        assert.deepStrictEqual(slow, { exited: true, exitedAt: 0.2 })
        assert.strictEqual(elapsed, 0.2)
      })
  )

  for (const timeout of [0, -1]) {
    it.effect(`WF-04 waitFor(effect, ${timeout}) fails with TimeoutError without starting the effect`, () =>
      Effect.gen(function* () {
        let started = false
        const { exit, elapsed } = yield* runVirtual(
          asyncio.waitFor(
            Effect.sync(() => {
              started = true
            }),
            timeout
          )
        )
        const error = timeoutErrorOf(exit)
        assert.isFalse(started)
        assert.strictEqual(elapsed, 0)
        // Python raises TimeoutError from the CancelledError: ours has it as `cause`.
        assert.instanceOf(error.cause, asyncio.CancelledError)
        assert.strictEqual((error.cause as asyncio.CancelledError).reason.kind, "timeout")
      })
    )
  }

  for (const timeout of [0, -1]) {
    it.effect(
      `WF-05 waitFor(started task, ${timeout}): TimeoutError, the task cancelled and its finally already run`,
      () =>
        Effect.gen(function* () {
          const { value, elapsed } = yield* virtual(
            Effect.gen(function* () {
              const flags = { running: false }
              const task = yield* asyncio.createTask(
                Effect.andThen(
                  Effect.sync(() => {
                    flags.running = true
                  }),
                  asyncio.sleep(10)
                ).pipe(
                  Effect.ensuring(
                    Effect.sync(() => {
                      flags.running = false
                    })
                  )
                )
              )
              yield* asyncio.sleep(0)
              const runningBefore = flags.running
              const exit = yield* Effect.exit(asyncio.waitFor(task, timeout))
              const runningWhenRaised = flags.running
              return {
                runningBefore,
                runningWhenRaised,
                error: timeoutErrorOf(exit),
                done: yield* task.done(),
                cancelled: yield* task.cancelled(),
                reason: (yield* cancelledErrorOf(task)).reason.kind
              }
            })
          )
          assert.isTrue(value.runningBefore)
          assert.isFalse(value.runningWhenRaised)
          assert.isTrue(value.done)
          assert.isTrue(value.cancelled)
          assert.strictEqual(value.reason, "timeout")
          assert.instanceOf(value.error.cause, asyncio.CancelledError)
          assert.strictEqual(elapsed, 0)
        })
    )
  }

  it.effect("WF-05 waitFor(task already done, 0) returns its result (or fails with its error)", () =>
    Effect.gen(function* () {
      const { value } = yield* virtual(
        Effect.gen(function* () {
          const ok = yield* asyncio.createTask(Effect.succeed("early"))
          const bad = yield* asyncio.createTask(Effect.fail(new Boom({ message: "early failure" })))
          yield* asyncio.sleep(0)
          const result = yield* asyncio.waitFor(ok, 0)
          const error = yield* Effect.flip(asyncio.waitFor(bad, 0))
          return { result, error: error._tag }
        })
      )
      assert.deepStrictEqual(value, { result: "early", error: "Boom" })
    })
  )

  it.effect("WF-07 waitFor(effect, null/undefined) just awaits it", () =>
    Effect.gen(function* () {
      const { value, elapsed } = yield* virtual(
        Effect.gen(function* () {
          const a = yield* asyncio.waitFor(Effect.succeed("done"), null)
          const b = yield* asyncio.waitFor(asyncio.sleep(5, "done later"), undefined)
          return [a, b]
        })
      )
      assert.deepStrictEqual(value, ["done", "done later"])
      assert.strictEqual(elapsed, 5)
    })
  )

  it.effect("WF-08 a Deferred completed on the next tick wins the race against waitFor's 0.2 timeout", () =>
    Effect.gen(function* () {
      const { value, elapsed } = yield* virtual(
        Effect.gen(function* () {
          const fut = yield* Deferred.make<string>()
          const w = yield* asyncio.createTask(asyncio.waitFor(Deferred.await(fut), 0.2))
          yield* asyncio.sleep(0)
          yield* Deferred.succeed(fut, "ok")
          return yield* w
        })
      )
      assert.strictEqual(value, "ok")
      assert.strictEqual(elapsed, 0)
    })
  )

  it.effect(
    "WF-10 on expiry waitFor cancels the inner task and waits for its cleanup; cause is the CancelledError",
    () =>
      Effect.gen(function* () {
        const log: Array<string> = []
        const { value, elapsed } = yield* virtual(
          Effect.gen(function* () {
            const flags = { done: false }
            const inner = yield* asyncio.createTask(
              slowToCancel(0.01, log).pipe(
                Effect.ensuring(
                  Effect.sync(() => {
                    flags.done = true
                  })
                )
              )
            )
            const exit = yield* Effect.exit(asyncio.waitFor(inner, 0.01))
            return { error: timeoutErrorOf(exit), doneWhenRaised: flags.done, at: yield* now, inner }
          })
        )
        assert.isTrue(value.doneWhenRaised)
        assert.strictEqual(value.at, 0.02)
        assert.deepStrictEqual(log, ["inner cleaned up at 0.02"])
        assert.instanceOf(value.error.cause, asyncio.CancelledError)
        assert.strictEqual((value.error.cause as asyncio.CancelledError).reason.kind, "timeout")
        assert.strictEqual(value.error._tag, "TimeoutError")
        assert.strictEqual(elapsed, 0.02)
      })
  )

  it.effect(
    "WF-11 timeout 0 on a started task: cancelled, cleanup awaited (t=0.01), TimeoutError caused by CancelledError",
    () =>
      Effect.gen(function* () {
        const log: Array<string> = []
        const { value } = yield* virtual(
          Effect.gen(function* () {
            const flags = { done: false }
            const inner = yield* asyncio.createTask(
              slowToCancel(0.01, log).pipe(
                Effect.ensuring(
                  Effect.sync(() => {
                    flags.done = true
                  })
                )
              )
            )
            yield* asyncio.sleep(0)
            const exit = yield* Effect.exit(asyncio.waitFor(inner, 0))
            return { error: timeoutErrorOf(exit), doneWhenRaised: flags.done, at: yield* now }
          })
        )
        assert.isTrue(value.doneWhenRaised)
        assert.strictEqual(value.at, 0.01)
        assert.instanceOf(value.error.cause, asyncio.CancelledError)
      })
  )

  for (const timeout of [null, 60]) {
    it.effect(
      `WF-13 cancelling a task blocked in waitFor(B, ${timeout}) cancels B, with the message, and W ends cancelled`,
      () =>
        Effect.gen(function* () {
          const { value } = yield* virtual(
            Effect.gen(function* () {
              const b = yield* asyncio.createTask(Effect.flatMap(Deferred.make<never>(), Deferred.await), {
                name: "B"
              })
              const w = yield* asyncio.createTask(asyncio.waitFor(b, timeout), { name: "W" })
              yield* asyncio.sleep(0)
              yield* w.cancel("stop")
              const awaited = yield* Effect.exit(w)
              const bError = yield* cancelledErrorOf(b)
              return {
                wCancelled: isInterrupted(awaited) && (yield* w.cancelled()),
                bCancelled: yield* b.cancelled(),
                bMessage: bError.cancelMessage,
                at: yield* now
              }
            })
          )
          assert.deepStrictEqual(value, { wCancelled: true, bCancelled: true, bMessage: "stop", at: 0 })
        })
    )
  }

  it.effect(
    "WF-14 inner work cannot swallow the expiry and return 42: TimeoutError at t=0.1, its handler skipped",
    () =>
      Effect.gen(function* () {
        // Python: the inner returns 42 on cancellation and waitFor returns 42. Ours: the recovery handler is skipped
        // (an interruption is not an error), the finalizer runs, waitFor fails with TimeoutError.
        const log: Array<string> = []
        const inner = asyncio.sleep(10, 0).pipe(
          Effect.catchCause(() => {
            log.push("handler")
            return Effect.succeed(42)
          }),
          Effect.onInterrupt(() =>
            Effect.sync(() => {
              log.push("finalizer")
            })
          )
        )
        const { exit, elapsed } = yield* runVirtual(asyncio.waitFor(inner, 0.1))
        timeoutErrorOf(exit)
        assert.deepStrictEqual(log, ["finalizer"])
        assert.strictEqual(elapsed, 0.1)
      })
  )

  it.effect(
    "WF-14 an inner task cannot swallow the expiry either: it ends cancelled with reason 'timeout'",
    () =>
      Effect.gen(function* () {
        const { value, elapsed } = yield* virtual(
          Effect.gen(function* () {
            const inner = yield* asyncio.createTask(
              asyncio.sleep(10, 0).pipe(Effect.catchCause(() => Effect.succeed(42)))
            )
            const exit = yield* Effect.exit(asyncio.waitFor(inner, 0.1))
            timeoutErrorOf(exit)
            return (yield* cancelledErrorOf(inner)).reason.kind
          })
        )
        assert.strictEqual(value, "timeout")
        assert.strictEqual(elapsed, 0.1)
      })
  )

  it.effect(
    "WF-16 waitFor(shield(task), 0) fails with TimeoutError; the task is untouched and finishes at t=0.01",
    () =>
      Effect.gen(function* () {
        const { value, elapsed } = yield* virtual(
          Effect.gen(function* () {
            const task = yield* asyncio.createTask(asyncio.sleep(0.01, "done"))
            const exit = yield* Effect.exit(asyncio.waitFor(asyncio.shield(task), 0))
            timeoutErrorOf(exit)
            const right = { done: yield* task.done(), cancelled: yield* task.cancelled() }
            yield* asyncio.sleep(0.1)
            return { right, later: yield* stateOf(task) }
          })
        )
        assert.deepStrictEqual(value, {
          right: { done: false, cancelled: false },
          later: { _tag: "Result", value: "done" }
        })
        assert.strictEqual(elapsed, 0.1)
      })
  )

  it.effect("WF-17 waitFor(shield(task), null) returns the task's value when it is done", () =>
    Effect.gen(function* () {
      const { value, elapsed } = yield* virtual(
        Effect.gen(function* () {
          const task = yield* asyncio.createTask(asyncio.sleep(0.1, "done"))
          const result = yield* asyncio.waitFor(asyncio.shield(task), null)
          return { result, done: yield* task.done() }
        })
      )
      assert.deepStrictEqual(value, { result: "done", done: true })
      assert.strictEqual(elapsed, 0.1)
    })
  )

  it.effect("WF-19 the awaited effect runs as part of the caller's task: currentTask() is the caller", () =>
    Effect.gen(function* () {
      const { value } = yield* virtual(
        Effect.gen(function* () {
          const caller = yield* asyncio.createTask(
            Effect.gen(function* () {
              const me = yield* asyncio.currentTask
              const seen = yield* asyncio.waitFor(asyncio.currentTask, 1)
              return { me, seen }
            }),
            { name: "caller" }
          )
          const { me, seen } = yield* caller
          return { same: seen === caller && me === caller, name: seen?.name }
        })
      )
      assert.deepStrictEqual(value, { same: true, name: "caller" })
    })
  )

  it.effect(
    "WF-20 (a) cleanup time is included: waitFor(inner, 0.01) fails at t=0.06 after a 0.05 cleanup",
    () =>
      Effect.gen(function* () {
        const log: Array<string> = []
        const { exit, elapsed } = yield* runVirtual(asyncio.waitFor(slowToCancel(0.05, log), 0.01))
        timeoutErrorOf(exit)
        assert.deepStrictEqual(log, ["inner cleaned up at 0.06"])
        assert.strictEqual(elapsed, 0.06)
      })
  )

  it.effect(
    "WF-20 (b) cancelling the caller at t=0.01 ends it cancelled at t=0.06, after the inner's cleanup",
    () =>
      Effect.gen(function* () {
        const log: Array<string> = []
        const { value } = yield* virtual(
          Effect.gen(function* () {
            const c = yield* asyncio.createTask(asyncio.waitFor(slowToCancel(0.05, log), 10))
            yield* asyncio.sleep(0.01)
            yield* c.cancel()
            const awaited = yield* Effect.exit(c)
            return { cancelled: isInterrupted(awaited) && (yield* c.cancelled()), at: yield* now }
          })
        )
        assert.deepStrictEqual(value, { cancelled: true, at: 0.06 })
        assert.deepStrictEqual(log, ["inner cleaned up at 0.06"])
      })
  )
})

describe("waitFor semantics", () => {
  it.effect(
    "work that finishes in time gives its value at its own time; the timer does not hold anything",
    () =>
      Effect.gen(function* () {
        const { exit, elapsed } = yield* runVirtual(asyncio.waitFor(asyncio.sleep(0.3, "in time"), 1))
        assert.strictEqual(yield* exit, "in time")
        assert.strictEqual(elapsed, 0.3)
      })
  )

  it.effect("the deadline's timer is released when the work finishes first; the work's own timer fired", () =>
    Effect.gen(function* () {
      let timers: ReadonlyArray<TimerRecord> = []
      const { exit } = yield* runVirtual(
        recordingTimers((recorded) => {
          timers = recorded
          return asyncio.waitFor(asyncio.sleep(0.3, "in time"), 1)
        })
      )
      assert.strictEqual(yield* exit, "in time")
      const summary = timers
        .map((t) => ({ seconds: t.seconds, state: t.state, endedAt: t.endedAt }))
        .sort((a, b) => a.seconds - b.seconds)
      assert.deepStrictEqual(summary, [
        { seconds: 0.3, state: "fired", endedAt: 0.3 },
        { seconds: 1, state: "released", endedAt: 0.3 }
      ])
    })
  )

  it.effect("an error before the deadline propagates as it is (typed), not as TimeoutError", () =>
    Effect.gen(function* () {
      const error = new Boom({ message: "early" })
      const { exit, elapsed } = yield* runVirtual(
        asyncio.waitFor(Effect.andThen(asyncio.sleep(0.2), Effect.fail(error)), 1)
      )
      assert.strictEqual(failureOf(exit), error)
      assert.strictEqual(elapsed, 0.2)
    })
  )

  it.effect(
    "an error raised by the inner work while being cancelled propagates instead of TimeoutError",
    () =>
      Effect.gen(function* () {
        const error = new Boom({ message: "cleanup failed" })
        const inner = asyncio
          .sleep(10)
          .pipe(Effect.onExit((exit) => (Exit.hasInterrupts(exit) ? Effect.fail(error) : Effect.void)))
        const { exit, elapsed } = yield* runVirtual(asyncio.waitFor(inner, 0.1))
        assert.strictEqual(failureOf(exit), error)
        assert.strictEqual(elapsed, 0.1)
      })
  )

  it.effect(
    "outside cancellation during the inner's post-expiry cleanup wins: cancelled, not TimeoutError",
    () =>
      Effect.gen(function* () {
        // Python: the outside cancel arrives while wait_for waits for the cancelled inner task; it waits on, then
        // raises CancelledError (not TimeoutError) once the inner has finished, at t=0.2.
        const log: Array<string> = []
        const { value } = yield* virtual(
          Effect.gen(function* () {
            const inner = yield* asyncio.createTask(slowToCancel(0.1, log), { name: "inner" })
            const w = yield* asyncio.createTask(asyncio.waitFor(inner, 0.1), { name: "W" })
            yield* asyncio.sleep(0.15)
            yield* w.cancel("outside")
            const awaited = yield* Effect.exit(w)
            return {
              wCancelled: isInterrupted(awaited),
              wError: failureOf(awaited),
              wDoneAt: yield* now,
              innerDone: yield* inner.done()
            }
          })
        )
        assert.deepStrictEqual(value, { wCancelled: true, wError: undefined, wDoneAt: 0.2, innerDone: true })
        assert.deepStrictEqual(log, ["inner cleaned up at 0.2"])
      })
  )

  it.effect(
    "on expiry an awaited task is cancelled with reason 'timeout' and TimeoutError.cause carries it",
    () =>
      Effect.gen(function* () {
        const { value } = yield* virtual(
          Effect.gen(function* () {
            const inner = yield* asyncio.createTask(asyncio.sleep(10), { name: "inner" })
            const exit = yield* Effect.exit(asyncio.waitFor(inner, 0.5))
            const error = timeoutErrorOf(exit)
            const cause = error.cause as asyncio.CancelledError
            return {
              causeTag: cause._tag,
              causeKind: cause.reason.kind,
              taskKind: (yield* cancelledErrorOf(inner)).reason.kind,
              at: yield* now
            }
          })
        )
        assert.deepStrictEqual(value, {
          causeTag: "CancelledError",
          causeKind: "timeout",
          taskKind: "timeout",
          at: 0.5
        })
      })
  )

  it.effect("TimeoutError is catchable by tag and shares the tag of Effect's own Cause.TimeoutError", () =>
    Effect.gen(function* () {
      const { exit } = yield* runVirtual(
        asyncio
          .waitFor(asyncio.sleep(10, "late"), 0.1)
          .pipe(Effect.catchTag("TimeoutError", (e) => Effect.succeed(`caught ${e._tag}`)))
      )
      assert.strictEqual(yield* exit, "caught TimeoutError")
    })
  )

  it.effect("waitFor(shield(task), t): TimeoutError at t while the task carries on to its value", () =>
    Effect.gen(function* () {
      const { value, elapsed } = yield* virtual(
        Effect.gen(function* () {
          const task = yield* asyncio.createTask(asyncio.sleep(1, "committed"))
          const exit = yield* Effect.exit(asyncio.waitFor(asyncio.shield(task), 0.2))
          timeoutErrorOf(exit)
          const timedOutAt = yield* now
          return { timedOutAt, taskValue: yield* task, doneAt: yield* now }
        })
      )
      assert.deepStrictEqual(value, { timedOutAt: 0.2, taskValue: "committed", doneAt: 1 })
      assert.strictEqual(elapsed, 1)
    })
  )

  it.effect("timeouts accept Effect durations: '100 millis' expires at t=0.1", () =>
    Effect.gen(function* () {
      const { exit, elapsed } = yield* runVirtual(asyncio.waitFor(asyncio.sleep(10), "100 millis"))
      timeoutErrorOf(exit)
      assert.strictEqual(elapsed, 0.1)
    })
  )

  it.effect("timeout Infinity just awaits the work", () =>
    Effect.gen(function* () {
      const { exit, elapsed } = yield* runVirtual(
        asyncio.waitFor(asyncio.sleep(100, "eventually"), Number.POSITIVE_INFINITY)
      )
      assert.strictEqual(yield* exit, "eventually")
      assert.strictEqual(elapsed, 100)
    })
  )

  it.effect("misuse is a defect: a non-effect → TypeError, a NaN timeout → ValueError", () =>
    Effect.gen(function* () {
      const notEffect = yield* Effect.exit(asyncio.waitFor(42 as unknown as Effect.Effect<number>, 1))
      const nan = yield* Effect.exit(asyncio.waitFor(Effect.succeed(1), Number.NaN))
      assert.strictEqual((defectOf(notEffect) as asyncio.TypeError)._tag, "TypeError")
      assert.match((defectOf(notEffect) as asyncio.TypeError).message, /waitFor/)
      assert.strictEqual((defectOf(nan) as asyncio.ValueError)._tag, "ValueError")
    })
  )
})

describe("one ready queue per loop scope", () => {
  // CPython 3.11 prints ['r3', 't2', 'r4'] for:
  //   r3 = create_task(job("r3")); await wait_for(c1(), 1.5)   # c1: global t2; t2 = create_task(job("t2"))
  //   r4 = create_task(job("r4")); await gather(t2)
  // The body of the wait_for runs on a fiber of its own; with a dispatcher per fiber (Effect's default), t2's
  // first step was queued on the body's dispatcher and ran after r4's (the harness's `dispatcher-order`).
  it.effect("a task created inside a waitFor body starts before a task created after the waitFor", () =>
    Effect.gen(function* () {
      const log: Array<string> = []
      const job = (name: string) =>
        Effect.sync(() => {
          log.push(name)
        })
      const { exit } = yield* runVirtual(
        asyncio.Loop.scoped(
          Effect.gen(function* () {
            yield* asyncio.createTask(job("r3"))
            const t2 = yield* asyncio.waitFor(asyncio.createTask(job("t2")), 1.5)
            yield* asyncio.createTask(job("r4"))
            yield* asyncio.gather(t2)
          })
        )
      )
      assert.isTrue(Exit.isSuccess(exit))
      assert.deepStrictEqual(log, ["r3", "t2", "r4"])
    })
  )
})
