/**
 * Tasks: the TK conformance cases (docs/conformance.md), asyncio's task object API
 * (https://docs.python.org/3/library/asyncio-task.html#task-object), cancellation forwarding through `yield* task`,
 * and ownership (docs/semantics.md, decision 2 and rows O1–O2).
 *
 * Cancellation is Effect interruption and cannot be swallowed (docs/semantics.md, decision 1). The TK cases
 * whose Python outcome depends on catching `CancelledError` and carrying on (TK-13, TK-14, TK-22, TK-31) or on
 * `uncancel()` (TK-04, TK-05) are written as tests of *our* behaviour: the handler never runs, the finalizers do,
 * the task ends cancelled.
 */

import { assert, describe, it } from "@effect/vitest"
import * as asyncio from "@effect-asyncio/core"
import * as Cause from "effect/Cause"
import * as Data from "effect/Data"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Scheduler from "effect/Scheduler"
import {
  cancelledErrorOf,
  defectOf,
  failureOf,
  isInterrupted,
  stateOf,
  type TaskState
} from "./utils/taskState.ts"
import { now, runVirtual, settle } from "./utils/virtual.ts"

class KeyError extends Data.TaggedError("KeyError")<{ readonly key: number }> {}
class Boom extends Data.TaggedError("Boom")<{ readonly message: string }> {}
class ConvertedError extends Data.TaggedError("ValueError")<{
  readonly message: string
  readonly cause: asyncio.CancelledError
}> {}

/** Runs `effect` on virtual time and fails the test if it does not succeed; returns the value and elapsed time. */
const virtual = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.flatMap(runVirtual(effect), ({ exit, elapsed }) => Effect.map(exit, (value) => ({ value, elapsed })))

/** A task that awaits `task` (Python: `await task` inside another task). */
const awaiterOf = <A, E>(task: asyncio.Task<A, E>, name?: string) =>
  asyncio.createTask(
    Effect.gen(function* () {
      return yield* task
    }),
    { name }
  )

/** An effect that blocks forever on a Deferred nobody completes (a *blocker*). */
const blocker = Effect.flatMap(Deferred.make<never>(), Deferred.await)

const tagOf = <A, E>(state: TaskState<A, E>) => state._tag

describe("TK — task methods and cancellation mechanics", () => {
  it.effect(
    "TK-01 a task cancelled before it runs never runs its body; its awaiter gets the cancel message",
    () =>
      Effect.gen(function* () {
        const ran: Array<string> = []
        const { value } = yield* virtual(
          Effect.gen(function* () {
            const task = yield* asyncio.createTask(
              Effect.sync(() => {
                ran.push("body")
              })
            )
            const accepted = yield* task.cancel("my message")
            const awaiter = yield* awaiterOf(task)
            const awaited = yield* Effect.exit(awaiter)
            return {
              accepted,
              awaitedCancelled: isInterrupted(awaited),
              task: yield* cancelledErrorOf(task),
              awaiter: yield* cancelledErrorOf(awaiter)
            }
          })
        )
        assert.isTrue(value.accepted)
        assert.isTrue(value.awaitedCancelled)
        assert.deepStrictEqual(ran, [])
        assert.strictEqual(value.task._tag, "CancelledError")
        assert.strictEqual(value.task.cancelMessage, "my message")
        assert.strictEqual(value.task.message, "my message")
        assert.strictEqual(value.task.reason.kind, "cancel")
        // The awaiter ends cancelled too, and its CancelledError carries the same message (Python: args[0]).
        assert.strictEqual(value.awaiter.cancelMessage, "my message")
      })
  )

  it.effect(
    "TK-02 cancel() counts requests; a task whose clean-up is synchronous is done when cancel() returns",
    () =>
      Effect.gen(function* () {
        // Deviation (docs/semantics.md, "cancel() delivers at once"): Python's cancel() only *requests*, so the task
        // sleeping 10 is still pending and a second cancel() returns True (count 2). Ours interrupts the suspended
        // task at once; with nothing asynchronous to clean up it is done when cancel() returns, so the second
        // cancel() returns false and the count stays 1.
        const { value } = yield* virtual(
          Effect.gen(function* () {
            const task = yield* asyncio.createTask(asyncio.sleep(10))
            yield* asyncio.sleep(0)
            const before = yield* task.cancelling()
            const first = yield* task.cancel()
            const afterFirst = yield* task.cancelling()
            const second = yield* task.cancel()
            const afterSecond = yield* task.cancelling()
            const awaited = yield* Effect.exit(task)
            return { before, first, afterFirst, second, afterSecond, cancelled: isInterrupted(awaited) }
          })
        )
        assert.deepStrictEqual(value, {
          before: 0,
          first: true,
          afterFirst: 1,
          second: false,
          afterSecond: 1,
          cancelled: true
        })
      })
  )

  it.effect(
    "TK-02 cancel() delivers at once: a suspended task's synchronous clean-up has run when cancel() returns",
    () =>
      Effect.gen(function* () {
        // Deviation (docs/semantics.md, "cancel() delivers at once"): Python's cancel() does not run anything of the
        // task; cancelled() is still False right after it. Ours interrupts the suspended task immediately, so a
        // waiter that was woken but not yet resumed gives its wake-up back (no lost wake-ups in the primitives).
        const { value } = yield* virtual(
          Effect.gen(function* () {
            const log: Array<string> = []
            const task = yield* asyncio.createTask(
              asyncio.sleep(10).pipe(
                Effect.onInterrupt(() =>
                  Effect.sync(() => {
                    log.push("task cleanup")
                  })
                )
              )
            )
            yield* asyncio.sleep(0)
            yield* task.cancel()
            log.push("after cancel()")
            const doneRightAfter = yield* task.done()
            const cancelledRightAfter = yield* task.cancelled()
            yield* Effect.exit(task)
            return { log, doneRightAfter, cancelledRightAfter, cancelledAtEnd: yield* task.cancelled() }
          })
        )
        assert.deepStrictEqual(value, {
          log: ["task cleanup", "after cancel()"],
          doneRightAfter: true,
          cancelledRightAfter: true,
          cancelledAtEnd: true
        })
      })
  )

  it.effect("TK-02 a task still running its cleanup accepts and counts every further cancel()", () =>
    Effect.gen(function* () {
      const { value, elapsed } = yield* virtual(
        Effect.gen(function* () {
          const task = yield* asyncio.createTask(
            asyncio.sleep(10).pipe(Effect.onInterrupt(() => asyncio.sleep(0.5)))
          )
          yield* asyncio.sleep(0)
          const results = [yield* task.cancel("one"), yield* task.cancel("two"), yield* task.cancel("three")]
          const counted = yield* task.cancelling()
          yield* Effect.exit(task)
          const error = yield* cancelledErrorOf(task)
          return { results, counted, message: error.cancelMessage }
        })
      )
      // The first request is the one delivered; later ones only count (an interruption is final).
      assert.deepStrictEqual(value, { results: [true, true, true], counted: 3, message: "one" })
      assert.strictEqual(elapsed, 0.5)
    })
  )

  it.effect(
    "TK-04 a task cannot turn its own cancel() into a TimeoutError: no uncancel(), it ends cancelled",
    () =>
      Effect.gen(function* () {
        // Python's hand-made timeout calls task.cancel() from a timer, then uncancel()s and raises TimeoutError.
        // Ours: the cancellation is an interruption — the catch-all handler is skipped, the finalizer runs, the code
        // after the block never runs, and cancelling() stays 1 (there is no uncancel()).
        const log: Array<string> = []
        const { value, elapsed } = yield* virtual(
          Effect.gen(function* () {
            const task = yield* asyncio.createTask(
              Effect.gen(function* () {
                const me = (yield* asyncio.currentTask)!
                yield* Effect.forkChild(Effect.andThen(asyncio.sleep(0.1), me.cancel()))
                const block = asyncio.sleep(10).pipe(
                  Effect.catchCause(() =>
                    Effect.sync(() => {
                      log.push("handler: timed out")
                    })
                  ),
                  Effect.ensuring(
                    Effect.sync(() => {
                      log.push("finally")
                    })
                  )
                )
                yield* block
                log.push("outer code reached")
                return "finished"
              })
            )
            yield* Effect.exit(task)
            return { state: tagOf(yield* stateOf(task)), cancelling: yield* task.cancelling() }
          })
        )
        assert.deepStrictEqual(value, { state: "Cancelled", cancelling: 1 })
        assert.deepStrictEqual(log, ["finally"])
        assert.strictEqual(elapsed, 0.1)
      })
  )

  it.effect(
    "TK-04 waitFor is the structured timeout: (a) sleep 10 with timeout 0.1 times out, code after runs",
    () =>
      Effect.gen(function* () {
        const { value, elapsed } = yield* virtual(
          Effect.gen(function* () {
            const task = yield* asyncio.createTask(
              Effect.gen(function* () {
                const me = (yield* asyncio.currentTask)!
                const timedOut = yield* asyncio
                  .waitFor(asyncio.sleep(10, false), 0.1)
                  .pipe(Effect.catchTag("TimeoutError", () => Effect.succeed(true)))
                yield* asyncio.sleep(0)
                return { timedOut, outerCodeReached: true, cancelling: yield* me.cancelling() }
              })
            )
            return yield* task
          })
        )
        assert.deepStrictEqual(value, { timedOut: true, outerCodeReached: true, cancelling: 0 })
        assert.strictEqual(elapsed, 0.1)
      })
  )

  it.effect("TK-04 waitFor is the structured timeout: (b) sleep 0 with timeout 10 finishes, no timeout", () =>
    Effect.gen(function* () {
      const { value, elapsed } = yield* virtual(
        Effect.gen(function* () {
          const task = yield* asyncio.createTask(
            Effect.gen(function* () {
              const me = (yield* asyncio.currentTask)!
              const blockFinished = yield* asyncio.waitFor(asyncio.sleep(0, true), 10)
              yield* asyncio.sleep(0)
              return { blockFinished, outerCodeReached: true, cancelling: yield* me.cancelling() }
            })
          )
          return yield* task
        })
      )
      assert.deepStrictEqual(value, { blockFinished: true, outerCodeReached: true, cancelling: 0 })
      assert.strictEqual(elapsed, 0)
    })
  )

  it.effect(
    "TK-05 [tick] completing the awaited Deferred resumes the task at once: a later cancel() is too late",
    () =>
      Effect.gen(function* () {
        // Re-baselined: Python sets the future (the task becomes runnable on the next tick), cancel()s and then
        // uncancel()s, and the task returns 42. We have no uncancel(); instead a completed Deferred resumes its
        // waiter synchronously (Effect's scheduler, docs/semantics.md T1), so the task has already returned 42
        // when cancel() runs: cancel() is false and the count stays 0. Same observable result, 42.
        const { value } = yield* virtual(
          Effect.gen(function* () {
            const fut = yield* Deferred.make<void>()
            const task = yield* asyncio.createTask(Effect.as(Deferred.await(fut), 42))
            yield* asyncio.sleep(0)
            yield* Deferred.succeed(fut, undefined)
            const accepted = yield* task.cancel()
            return { accepted, cancelling: yield* task.cancelling(), result: yield* task }
          })
        )
        assert.deepStrictEqual(value, { accepted: false, cancelling: 0, result: 42 })
      })
  )

  for (const [label, args, message] of [
    ["cancel()", [], undefined],
    ["cancel(undefined)", [undefined], undefined],
    ['cancel("my message")', ["my message"], "my message"],
    ["cancel(5)", [5], 5]
  ] as const) {
    it.effect(
      `TK-07 ${label} → result() and exception() fail with a CancelledError carrying ${String(message)}`,
      () =>
        Effect.gen(function* () {
          const { value } = yield* virtual(
            Effect.gen(function* () {
              const task = yield* asyncio.createTask(asyncio.sleep(10))
              yield* asyncio.sleep(0)
              yield* task.cancel(...args)
              const { done, pending } = yield* asyncio.wait([task])
              const fromResult = yield* Effect.flip(task.result())
              const fromException = yield* Effect.flip(task.exception())
              return { done: done.size, pending: pending.size, fromResult, fromException }
            })
          )
          assert.deepStrictEqual([value.done, value.pending], [1, 0])
          for (const error of [value.fromResult, value.fromException]) {
            assert.instanceOf(error, asyncio.CancelledError)
            const cancelled = error as asyncio.CancelledError
            assert.strictEqual(cancelled.cancelMessage, message)
            assert.strictEqual(cancelled.reason.kind, "cancel")
            // Python: str(exc) is the message; with no message ours is a sentence naming the task.
            if (message === undefined) assert.match(cancelled.message, /Task-\d+ was cancelled/)
            else assert.strictEqual(cancelled.message, String(message))
            // "no chained context"
            assert.isUndefined(cancelled.cause)
          }
        })
    )
  }

  it.effect(
    "TK-08 an awaiter can turn an awaited task's cancellation into its own error, chained from it",
    () =>
      Effect.gen(function* () {
        // Ours: the awaited task's cancellation reaches the (not cancelled) awaiter as an interrupt cause, which it
        // may handle with catchCause; the CancelledError value with the message comes from inner.result().
        const { value } = yield* virtual(
          Effect.gen(function* () {
            const inner = yield* asyncio.createTask(asyncio.sleep(10))
            const outer = yield* asyncio.createTask(
              Effect.gen(function* () {
                yield* Effect.forkChild(inner.cancel("msg"))
                return yield* inner.pipe(
                  Effect.catchCause((cause) =>
                    Cause.hasInterruptsOnly(cause)
                      ? Effect.flatMap(cancelledErrorOf(inner), (cancelled) =>
                          Effect.fail(new ConvertedError({ message: "cancelled", cause: cancelled }))
                        )
                      : Effect.failCause(cause)
                  )
                )
              })
            )
            yield* Effect.exit(outer)
            return yield* stateOf(outer)
          })
        )
        assert.strictEqual(value._tag, "Exception")
        const error = (value as { error: ConvertedError }).error
        assert.instanceOf(error, ConvertedError)
        assert.strictEqual(error.message, "cancelled")
        assert.instanceOf(error.cause, asyncio.CancelledError)
        assert.strictEqual(error.cause.cancelMessage, "msg")
      })
  )

  it.effect(
    "TK-10 [tick] cancel after the first step: CancelledError, cancelled(), then cancel() is false",
    () =>
      Effect.gen(function* () {
        // Same counts as CPython: one sleep(0) of the creator lets the task run exactly its first step.
        const { value } = yield* virtual(
          Effect.gen(function* () {
            const steps: Array<string> = []
            const task = yield* asyncio.createTask(
              Effect.gen(function* () {
                steps.push("step 1")
                yield* asyncio.sleep(0)
                steps.push("step 2")
                yield* asyncio.sleep(0)
                steps.push("step 3")
                return 12
              })
            )
            yield* asyncio.sleep(0)
            const accepted = yield* task.cancel()
            const awaited = yield* Effect.exit(task)
            return {
              steps,
              accepted,
              awaitedCancelled: isInterrupted(awaited),
              cancelled: yield* task.cancelled(),
              cancelAfter: yield* task.cancel()
            }
          })
        )
        assert.deepStrictEqual(value, {
          steps: ["step 1"],
          accepted: true,
          awaitedCancelled: true,
          cancelled: true,
          cancelAfter: false
        })
      })
  )

  it.effect(
    "TK-11 interrupting the Deferred a task awaits (our 'cancel the future') ends the task cancelled",
    () =>
      Effect.gen(function* () {
        const { value } = yield* virtual(
          Effect.gen(function* () {
            const fut = yield* Deferred.make<number>()
            const task = yield* asyncio.createTask(Deferred.await(fut))
            yield* asyncio.sleep(0)
            yield* Deferred.interrupt(fut)
            yield* Effect.exit(task)
            const state = yield* stateOf(task)
            return { state: tagOf(state), futDone: yield* Deferred.isDone(fut) }
          })
        )
        assert.deepStrictEqual(value, { state: "Cancelled", futDone: true })
      })
  )

  it.effect(
    "TK-13 a task cannot catch its cancellation and return 42: the handler is skipped, it ends cancelled",
    () =>
      Effect.gen(function* () {
        // Python: fut2 is cancelled by cancel(), the handler returns 42, the task is not cancelled. Ours: the
        // handler never runs, the finalizer does, the task ends cancelled — and, since a Deferred is not owned by
        // its waiters, fut2 is left pending (interrupting a waiter does not complete the Deferred).
        const log: Array<string> = []
        const { value } = yield* virtual(
          Effect.gen(function* () {
            const fut1 = yield* Deferred.make<void>()
            const fut2 = yield* Deferred.make<number>()
            const task = yield* asyncio.createTask(
              Effect.gen(function* () {
                yield* Deferred.await(fut1)
                return yield* Deferred.await(fut2).pipe(
                  Effect.catchCause(() => {
                    log.push("handler")
                    return Effect.succeed(42)
                  }),
                  Effect.ensuring(
                    Effect.sync(() => {
                      log.push("finally")
                    })
                  )
                )
              })
            )
            yield* asyncio.sleep(0)
            yield* Deferred.succeed(fut1, undefined)
            yield* asyncio.sleep(0)
            yield* task.cancel()
            const awaited = yield* Effect.exit(task)
            return {
              awaitedCancelled: isInterrupted(awaited),
              cancelled: yield* task.cancelled(),
              fut2Done: yield* Deferred.isDone(fut2)
            }
          })
        )
        assert.deepStrictEqual(value, { awaitedCancelled: true, cancelled: true, fut2Done: false })
        assert.deepStrictEqual(log, ["finally"])
      })
  )

  it.effect(
    "TK-14 a task cannot ignore its cancellation and go on awaiting fut3: it ends cancelled, fut3 unused",
    () =>
      Effect.gen(function* () {
        const log: Array<string> = []
        const { value } = yield* virtual(
          Effect.gen(function* () {
            const fut1 = yield* Deferred.make<void>()
            const fut2 = yield* Deferred.make<number>()
            const fut3 = yield* Deferred.make<number>()
            const task = yield* asyncio.createTask(
              Effect.gen(function* () {
                yield* Deferred.await(fut1)
                return yield* Deferred.await(fut2).pipe(
                  Effect.catchCause(() => {
                    log.push("ignoring the cancellation")
                    return Deferred.await(fut3)
                  })
                )
              })
            )
            yield* asyncio.sleep(0)
            yield* Deferred.succeed(fut1, undefined)
            yield* asyncio.sleep(0)
            yield* task.cancel()
            yield* Effect.exit(task)
            const doneBeforeFut3 = yield* task.done()
            yield* Deferred.succeed(fut3, 42)
            return {
              doneBeforeFut3,
              state: tagOf(yield* stateOf(task)),
              fut2Done: yield* Deferred.isDone(fut2)
            }
          })
        )
        assert.deepStrictEqual(value, { doneBeforeFut3: true, state: "Cancelled", fut2Done: false })
        assert.deepStrictEqual(log, [])
      })
  )

  it.effect("TK-16 a task that cancels itself ends cancelled; its return value is lost", () =>
    Effect.gen(function* () {
      // Python runs the code after cancel() up to the next await (here: `return 12`) and then ends cancelled.
      // Ours: an interruption is delivered at the next effect boundary, so the statement after `yield* cancel()`
      // does not run either. The outcome is the same: cancelled, 12 lost.
      const log: Array<string> = []
      const { value } = yield* virtual(
        Effect.gen(function* () {
          const task = yield* asyncio.createTask(
            Effect.gen(function* () {
              const me = (yield* asyncio.currentTask)!
              log.push("before cancel")
              yield* me.cancel("self")
              log.push("after cancel")
              return 12
            })
          )
          const awaited = yield* Effect.exit(task)
          return {
            awaitedCancelled: isInterrupted(awaited),
            state: tagOf(yield* stateOf(task)),
            message: (yield* cancelledErrorOf(task)).cancelMessage
          }
        })
      )
      assert.deepStrictEqual(value, { awaitedCancelled: true, state: "Cancelled", message: "self" })
      assert.deepStrictEqual(log, ["before cancel"])
    })
  )

  it.effect(
    "TK-17 a self-cancelled task never reaches its next await: under a loop the nested task lives on until shutdown",
    () =>
      Effect.gen(function* () {
        // Python forwards the pending self-cancel into the next awaited task N. Ours: T is interrupted before
        // `yield* N` runs, so nothing is forwarded; N belongs to the loop (it outlives T, as in Python) and is
        // cancelled with reason "shutdown" when the loop ends.
        let nested: asyncio.Task<never> | undefined
        const { value } = yield* virtual(
          Effect.gen(function* () {
            const inLoop = yield* asyncio.Loop.scoped(
              Effect.gen(function* () {
                const t = yield* asyncio.createTask(
                  Effect.gen(function* () {
                    nested = yield* asyncio.createTask(blocker, { name: "N" })
                    yield* asyncio.sleep(0)
                    yield* (yield* asyncio.currentTask)!.cancel()
                    return yield* nested
                  }),
                  { name: "T" }
                )
                yield* Effect.exit(t)
                return { t: tagOf(yield* stateOf(t)), nBeforeShutdown: tagOf(yield* stateOf(nested!)) }
              })
            )
            const error = yield* cancelledErrorOf(nested!)
            return { ...inLoop, nAfterShutdown: error.reason.kind }
          })
        )
        assert.deepStrictEqual(value, {
          t: "Cancelled",
          nBeforeShutdown: "Pending",
          nAfterShutdown: "shutdown"
        })
      })
  )

  it.effect("TK-17 without a loop scope the nested task is a child of T and is cancelled when T ends", () =>
    Effect.gen(function* () {
      let nested: asyncio.Task<never> | undefined
      const { value } = yield* virtual(
        Effect.gen(function* () {
          const t = yield* asyncio.createTask(
            Effect.gen(function* () {
              nested = yield* asyncio.createTask(blocker)
              yield* asyncio.sleep(0)
              yield* (yield* asyncio.currentTask)!.cancel()
              return yield* nested
            })
          )
          yield* Effect.exit(t)
          return { t: tagOf(yield* stateOf(t)), n: tagOf(yield* stateOf(nested!)) }
        })
      )
      assert.deepStrictEqual(value, { t: "Cancelled", n: "Cancelled" })
    })
  )

  it.effect(
    "TK-19 [tick] a task blocked on a Deferred ends cancelled; the Deferred stays pending and usable",
    () =>
      Effect.gen(function* () {
        // Re-baselined: asyncio cancels the future the task waits on; a Deferred is not owned by its waiters, so ours
        // only removes the task's registration. Completing the Deferred later reaches other waiters, not the task.
        const { value } = yield* virtual(
          Effect.gen(function* () {
            const fut = yield* Deferred.make<string>()
            const task = yield* asyncio.createTask(Deferred.await(fut))
            yield* asyncio.sleep(0)
            yield* task.cancel()
            yield* Effect.exit(task)
            const futDoneAfterCancel = yield* Deferred.isDone(fut)
            const other = yield* Effect.forkChild(Deferred.await(fut))
            yield* asyncio.sleep(0)
            yield* Deferred.succeed(fut, "later")
            return {
              state: tagOf(yield* stateOf(task)),
              futDoneAfterCancel,
              other: yield* Fiber.join(other)
            }
          })
        )
        assert.deepStrictEqual(value, { state: "Cancelled", futDoneAfterCancel: false, other: "later" })
      })
  )

  it.effect(
    "TK-20 an error raised while handling the cancellation replaces it: done, not cancelled, exception() is it",
    () =>
      Effect.gen(function* () {
        // Python's case raises SystemExit, which also escapes the loop; we have no SystemExit, so an ordinary typed
        // error raised by the cleanup shows the part that applies: the task ends with that error.
        const { value } = yield* virtual(
          Effect.gen(function* () {
            const task = yield* asyncio.createTask(
              asyncio
                .sleep(10)
                .pipe(
                  Effect.onExit((exit) =>
                    Exit.hasInterrupts(exit)
                      ? Effect.fail(new Boom({ message: "during cancel" }))
                      : Effect.void
                  )
                )
            )
            yield* asyncio.sleep(0)
            yield* task.cancel()
            const awaited = yield* Effect.exit(task)
            return {
              awaitedError: failureOf(awaited),
              done: yield* task.done(),
              cancelled: yield* task.cancelled(),
              exception: yield* task.exception()
            }
          })
        )
        assert.instanceOf(value.awaitedError, Boom)
        assert.isTrue(value.done)
        assert.isFalse(value.cancelled)
        assert.strictEqual(value.exception, value.awaitedError)
      })
  )

  it.effect(
    "TK-20 a defect raised while handling the cancellation: exception() is a Defect wrapping it",
    () =>
      Effect.gen(function* () {
        const bug = new Error("cleanup crashed")
        const { value } = yield* virtual(
          Effect.gen(function* () {
            const task = yield* asyncio.createTask(
              asyncio.sleep(10).pipe(Effect.onInterrupt(() => Effect.die(bug)))
            )
            yield* asyncio.sleep(0)
            yield* task.cancel()
            const awaited = yield* Effect.exit(task)
            return {
              awaitedDefect: defectOf(awaited),
              cancelled: yield* task.cancelled(),
              exception: yield* task.exception()
            }
          })
        )
        assert.strictEqual(value.awaitedDefect, bug)
        assert.isFalse(value.cancelled)
        assert.instanceOf(value.exception, asyncio.Defect)
        assert.strictEqual((value.exception as asyncio.Defect).defect, bug)
      })
  )

  it.effect(
    "TK-22 cancellation passes through an inline await: both cleanups run (proof = 101), outer ends cancelled",
    () =>
      Effect.gen(function* () {
        // Python: inner re-raises (+1), outer swallows (+100) and returns 101. Ours: both cleanups run, inner's first,
        // but the outer cannot return; it ends cancelled. The Deferred (waiter) is left pending.
        let proof = 0
        const { value } = yield* virtual(
          Effect.gen(function* () {
            const waiter = yield* Deferred.make<void>()
            const inner = Deferred.await(waiter).pipe(
              Effect.onInterrupt(() =>
                Effect.sync(() => {
                  proof += 1
                })
              )
            )
            const outer = Effect.gen(function* () {
              yield* inner
              return proof
            }).pipe(
              Effect.onInterrupt(() =>
                Effect.sync(() => {
                  proof += 100
                })
              )
            )
            const task = yield* asyncio.createTask(outer)
            yield* asyncio.sleep(0)
            yield* task.cancel()
            yield* Effect.exit(task)
            return { state: tagOf(yield* stateOf(task)), waiterDone: yield* Deferred.isDone(waiter) }
          })
        )
        assert.strictEqual(proof, 101)
        assert.deepStrictEqual(value, { state: "Cancelled", waiterDone: false })
      })
  )

  it.effect("TK-23 a task awaiting itself dies with RuntimeError 'Task cannot await on itself'", () =>
    Effect.gen(function* () {
      const { value } = yield* virtual(
        Effect.gen(function* () {
          const task: asyncio.Task<unknown, unknown> = yield* asyncio.createTask(
            Effect.gen(function* () {
              const me = (yield* asyncio.currentTask)!
              return yield* me
            })
          )
          const awaited = yield* Effect.exit(task)
          return { defect: defectOf(awaited), exception: yield* task.exception() }
        })
      )
      assert.instanceOf(value.defect, asyncio.RuntimeError)
      assert.strictEqual((value.defect as asyncio.RuntimeError)._tag, "RuntimeError")
      assert.strictEqual((value.defect as asyncio.RuntimeError).message, "Task cannot await on itself")
      assert.instanceOf(value.exception, asyncio.Defect)
      assert.strictEqual((value.exception as asyncio.Defect).defect, value.defect)
    })
  )

  it.effect("TK-25 createTask(123) is a defect carrying TypeError, every time", () =>
    Effect.gen(function* () {
      for (let i = 0; i < 2; i++) {
        const exit = yield* Effect.exit(asyncio.createTask(123 as unknown as Effect.Effect<number>))
        const defect = defectOf(exit) as asyncio.TypeError
        assert.instanceOf(defect, asyncio.TypeError)
        assert.strictEqual(defect._tag, "TypeError")
        assert.strictEqual(defect.message, "createTask: an Effect was expected, got 123")
      }
    })
  )

  it.effect(
    "TK-25 createTask(task) is a defect carrying TypeError: a task is awaited, not wrapped again",
    () =>
      Effect.gen(function* () {
        const task = yield* asyncio.createTask(asyncio.sleep(0, 1), { name: "already-a-task" })
        const exit = yield* Effect.exit(asyncio.createTask(task))
        const defect = defectOf(exit) as asyncio.TypeError
        assert.strictEqual(defect._tag, "TypeError")
        assert.match(defect.message, /the Task already-a-task/)
        assert.strictEqual(yield* task, 1)
      })
  )

  it.effect(
    "TK-26 an unreferenced pending task cannot be lost: allTasks() lists it and the loop cancels it at shutdown",
    () =>
      Effect.gen(function* () {
        // Python holds tasks weakly: an unreferenced task blocked on an unreferenced future can be garbage-collected
        // ("Task was destroyed but it is pending!"). A fiber is strongly held by its owner (the loop scope's
        // registry, or its parent fiber), so it stays listed and is cancelled — finalizers run — at shutdown.
        const seen: Array<string> = []
        const log: Array<string> = []
        const { value } = yield* virtual(
          Effect.gen(function* () {
            const names = yield* asyncio.Loop.scoped(
              Effect.gen(function* () {
                yield* Effect.asVoid(
                  Effect.flatMap(
                    asyncio.createTask(
                      blocker.pipe(
                        Effect.onInterrupt(() =>
                          Effect.sync(() => {
                            log.push("orphan cleanup")
                          })
                        )
                      ),
                      { name: "orphan" }
                    ),
                    (task) =>
                      task.addDoneCallback((t) =>
                        Effect.map(cancelledErrorOf(t), (error) => {
                          seen.push(`${t.name}: ${error.reason.kind}`)
                        })
                      )
                  )
                )
                yield* asyncio.sleep(0)
                return Array.from(yield* asyncio.allTasks, (t) => t.name).sort()
              }),
              { mainName: "main" }
            )
            yield* settle
            return names
          })
        )
        assert.deepStrictEqual(value, ["main", "orphan"])
        assert.deepStrictEqual(log, ["orphan cleanup"])
        assert.deepStrictEqual(seen, ["orphan: shutdown"])
      })
  )

  it.effect(
    "TK-26 without a loop scope an unreferenced task is a child of its creator's fiber and ends with it",
    () =>
      Effect.gen(function* () {
        const log: Array<string> = []
        const { value } = yield* virtual(
          Effect.gen(function* () {
            const creator = yield* asyncio.createTask(
              Effect.gen(function* () {
                yield* asyncio.createTask(
                  blocker.pipe(
                    Effect.onInterrupt(() =>
                      Effect.sync(() => {
                        log.push("orphan cleanup")
                      })
                    )
                  )
                )
                yield* asyncio.sleep(0)
                return "creator done"
              })
            )
            return yield* creator
          })
        )
        assert.strictEqual(value, "creator done")
        // The creator's fiber interrupts and awaits its children before publishing its own exit.
        assert.deepStrictEqual(log, ["orphan cleanup"])
      })
  )

  it.effect(
    "TK-28 awaiting a failed task inside an error handler gives the task's own error instance, unchanged",
    () =>
      Effect.gen(function* () {
        // Python sets __context__ (KeyError(3)) on the ValueError; JS/Effect have no implicit exception context, so
        // the error is passed through untouched — and re-raising the handled error creates no cycle.
        const { value } = yield* virtual(
          Effect.gen(function* () {
            const raised = new Boom({ message: "from the task" })
            const task = yield* asyncio.createTask(Effect.fail(raised))
            const caught = yield* Effect.fail(new KeyError({ key: 3 })).pipe(
              Effect.catchTag("KeyError", () => task),
              Effect.flip
            )
            const handled = new KeyError({ key: 4 })
            const reraising = yield* asyncio.createTask(Effect.fail(handled))
            const again = yield* Effect.fail(handled).pipe(
              Effect.catchTag("KeyError", () => reraising),
              Effect.flip
            )
            return {
              same: caught === raised,
              cause: raised.cause,
              againSame: again === handled,
              again: handled.cause
            }
          })
        )
        assert.deepStrictEqual(value, { same: true, cause: undefined, againSame: true, again: undefined })
      })
  )

  it.effect("TK-29 nested awaits give 1042; createTask(inner) awaited gives 1; a custom name is kept", () =>
    Effect.gen(function* () {
      const { value } = yield* virtual(
        Effect.gen(function* () {
          const inner = Effect.as(asyncio.sleep(0), 42)
          const middle = Effect.gen(function* () {
            return (yield* inner) + 1000
          })
          const outer = yield* asyncio.createTask(
            Effect.gen(function* () {
              const viaTask = yield* asyncio.createTask(middle)
              return yield* viaTask
            })
          )
          const bare = yield* asyncio.createTask(Effect.succeed(1))
          const named = yield* asyncio.createTask(Effect.void, { name: "No-op" })
          return { nested: yield* outer, bare: yield* bare, name: named.name }
        })
      )
      assert.deepStrictEqual(value, { nested: 1042, bare: 1, name: "No-op" })
    })
  )

  it.effect(
    "TK-31 an awaited task cannot swallow the forwarded cancellation: awaiter waits for its cleanup, both end cancelled",
    () =>
      Effect.gen(function* () {
        // Python: B sleeps 0.01 on cancellation and returns 42; A receives 42 and is not cancelled. Ours: B's
        // cleanup (0.01) runs but B ends cancelled, and A — which waits for B's cleanup — ends cancelled at 0.01.
        const { value, elapsed } = yield* virtual(
          Effect.gen(function* () {
            const log: Array<string> = []
            const b = yield* asyncio.createTask(
              asyncio.sleep(10, 0).pipe(
                Effect.onInterrupt(() =>
                  Effect.andThen(
                    asyncio.sleep(0.01),
                    Effect.flatMap(now, (t) =>
                      Effect.sync(() => {
                        log.push(`B cleaned up at ${t}`)
                      })
                    )
                  )
                )
              ),
              { name: "B" }
            )
            const a = yield* awaiterOf(b, "A")
            yield* asyncio.sleep(0)
            yield* a.cancel("stop")
            yield* asyncio.sleep(0.005)
            const whileRunning = { done: yield* a.done(), cancelling: yield* a.cancelling() }
            yield* Effect.exit(a)
            const aDoneAt = yield* now
            const bError = yield* cancelledErrorOf(b)
            const aError = yield* cancelledErrorOf(a)
            return {
              log,
              whileRunning,
              aDoneAt,
              aCancelled: yield* a.cancelled(),
              b: {
                kind: bError.reason.kind,
                message: bError.cancelMessage,
                forwarded: /A awaiting B/.test(bError.reason.detail)
              },
              a: { kind: aError.reason.kind, message: aError.cancelMessage }
            }
          })
        )
        assert.deepStrictEqual(value, {
          log: ["B cleaned up at 0.01"],
          whileRunning: { done: false, cancelling: 1 },
          aDoneAt: 0.01,
          aCancelled: true,
          // B's CancelledError keeps the root cause's kind and message; its detail says it was forwarded by A.
          b: { kind: "cancel", message: "stop", forwarded: true },
          a: { kind: "cancel", message: "stop" }
        })
        assert.strictEqual(elapsed, 0.01)
      })
  )

  it.effect("TK-32 a task cancelled right after creation runs none of its body, not even its finalizer", () =>
    Effect.gen(function* () {
      const record: Array<string> = []
      const { value } = yield* virtual(
        Effect.gen(function* () {
          const task = yield* asyncio.createTask(
            Effect.gen(function* () {
              record.push("start")
              yield* asyncio.sleep(0)
              record.push("end")
            }).pipe(
              Effect.ensuring(
                Effect.sync(() => {
                  record.push("finally")
                })
              )
            )
          )
          yield* task.cancel()
          const awaited = yield* Effect.exit(task)
          yield* asyncio.sleep(0)
          return { awaitedCancelled: isInterrupted(awaited), cancelled: yield* task.cancelled() }
        })
      )
      assert.deepStrictEqual(value, { awaitedCancelled: true, cancelled: true })
      assert.deepStrictEqual(record, [])
    })
  )

  it.effect(
    "TK-34 cancel('bye') on a suspended task and cancel('early') before it starts keep their messages",
    () =>
      Effect.gen(function* () {
        const { value } = yield* virtual(
          Effect.gen(function* () {
            const suspended = yield* asyncio.createTask(asyncio.sleep(10))
            yield* asyncio.sleep(0)
            yield* suspended.cancel("bye")
            const early = yield* asyncio.createTask(asyncio.sleep(10))
            yield* early.cancel("early")
            yield* Effect.exit(suspended)
            yield* Effect.exit(early)
            return [
              (yield* cancelledErrorOf(suspended)).cancelMessage,
              (yield* cancelledErrorOf(early)).cancelMessage
            ]
          })
        )
        assert.deepStrictEqual(value, ["bye", "early"])
      })
  )

  it.effect(
    "TK-35 accessors: result() pending → InvalidStateError; failed task: exception() is the error, awaited twice",
    () =>
      Effect.gen(function* () {
        const { value } = yield* virtual(
          Effect.gen(function* () {
            const raised = new KeyError({ key: 1 })
            const pending = yield* asyncio.createTask(asyncio.sleep(10))
            const pendingResult = yield* Effect.flip(pending.result())
            const pendingException = yield* Effect.flip(pending.exception())
            const failing = yield* asyncio.createTask(Effect.andThen(asyncio.sleep(0), Effect.fail(raised)))
            const first = yield* Effect.flip(failing)
            const second = yield* Effect.flip(failing)
            const cancelled = yield* asyncio.createTask(asyncio.sleep(10))
            yield* asyncio.sleep(0)
            yield* cancelled.cancel()
            yield* Effect.exit(cancelled)
            return {
              pendingResult,
              pendingException,
              first,
              second,
              raised,
              exception: yield* failing.exception(),
              resultError: yield* Effect.flip(failing.result()),
              done: yield* failing.done(),
              failingCancelled: yield* failing.cancelled(),
              cancelledException: yield* Effect.flip(cancelled.exception())
            }
          })
        )
        assert.instanceOf(value.pendingResult, asyncio.InvalidStateError)
        assert.strictEqual(value.pendingResult.message, "Result is not set.")
        assert.instanceOf(value.pendingException, asyncio.InvalidStateError)
        assert.strictEqual(value.pendingException.message, "Exception is not set.")
        assert.strictEqual(value.first, value.raised)
        assert.strictEqual(value.second, value.raised)
        assert.strictEqual(value.exception, value.raised)
        assert.strictEqual(value.resultError, value.raised)
        assert.isTrue(value.done)
        assert.isFalse(value.failingCancelled)
        assert.strictEqual(value.cancelledException._tag, "CancelledError")
      })
  )
})

describe("Task API", () => {
  it.effect(
    "default names are Task-<n> from a process-wide counter; custom names are kept; toString shows state",
    () =>
      Effect.gen(function* () {
        const a = yield* asyncio.createTask(Effect.succeed(1))
        const b = yield* asyncio.createTask(Effect.succeed(2))
        const c = yield* asyncio.createTask(Effect.succeed(3), { name: "custom" })
        const na = Number(/^Task-(\d+)$/.exec(a.name)?.[1])
        const nb = Number(/^Task-(\d+)$/.exec(b.name)?.[1])
        assert.isTrue(Number.isInteger(na) && na > 0)
        assert.strictEqual(nb, na + 1)
        assert.strictEqual(c.name, "custom")
        assert.strictEqual(String(c), "<Task pending name='custom'>")
        yield* c
        assert.strictEqual(String(c), "<Task finished name='custom' result=3>")
        assert.isTrue(asyncio.isTask(c))
        assert.isFalse(asyncio.isTask(Effect.succeed(1)))
        yield* a
        yield* b
      })
  )

  it.effect(
    "cancel() returns false once the task is done (result, error or cancelled) and does not count",
    () =>
      Effect.gen(function* () {
        const { value } = yield* virtual(
          Effect.gen(function* () {
            const ok = yield* asyncio.createTask(Effect.succeed(1))
            const failed = yield* asyncio.createTask(Effect.fail(new Boom({ message: "x" })))
            const cancelled = yield* asyncio.createTask(asyncio.sleep(10))
            yield* asyncio.sleep(0)
            yield* cancelled.cancel()
            yield* Effect.exit(cancelled)
            const again = [yield* ok.cancel("late"), yield* failed.cancel(), yield* cancelled.cancel()]
            const counts = [yield* ok.cancelling(), yield* failed.cancelling(), yield* cancelled.cancelling()]
            const states = [
              tagOf(yield* stateOf(ok)),
              tagOf(yield* stateOf(failed)),
              tagOf(yield* stateOf(cancelled))
            ]
            return { again, counts, states }
          })
        )
        assert.deepStrictEqual(value, {
          again: [false, false, false],
          counts: [0, 0, 1],
          states: ["Result", "Exception", "Cancelled"]
        })
      })
  )

  it.effect(
    "result() of a failed task fails with its typed error; exception() of a successful task is undefined",
    () =>
      Effect.gen(function* () {
        const error = new Boom({ message: "typed" })
        const failed = yield* asyncio.createTask(Effect.fail(error))
        const ok = yield* asyncio.createTask(Effect.succeed("v"))
        yield* Effect.exit(failed)
        yield* ok
        assert.strictEqual(yield* Effect.flip(failed.result()), error)
        assert.strictEqual(yield* failed.exception(), error)
        assert.strictEqual(yield* ok.result(), "v")
        assert.isUndefined(yield* ok.exception())
      })
  )

  it.effect("a defect: yield* task and result() die with it, exception() returns a Defect wrapping it", () =>
    Effect.gen(function* () {
      const bug = new Error("boom")
      const task = yield* asyncio.createTask(Effect.die(bug))
      const awaited = yield* Effect.exit(task)
      const fromResult = yield* Effect.exit(task.result())
      const exception = yield* task.exception()
      assert.strictEqual(defectOf(awaited), bug)
      assert.strictEqual(defectOf(fromResult), bug)
      assert.instanceOf(exception, asyncio.Defect)
      const defect = exception as asyncio.Defect
      assert.strictEqual(defect._tag, "Defect")
      assert.strictEqual(defect.defect, bug)
      assert.strictEqual(defect.message, "boom")
      assert.isFalse(yield* task.cancelled())
    })
  )

  it.effect(
    "result()/exception() of a cancelled task fail with CancelledError carrying the message and reason",
    () =>
      Effect.gen(function* () {
        const task = yield* asyncio.createTask(asyncio.sleep(10), { name: "victim" })
        yield* asyncio.sleep(0)
        yield* task.cancel("why not")
        yield* Effect.exit(task)
        const fromResult = yield* Effect.flip(task.result())
        const fromException = yield* Effect.flip(task.exception())
        for (const error of [fromResult, fromException]) {
          assert.instanceOf(error, asyncio.CancelledError)
          const cancelled = error as asyncio.CancelledError
          assert.strictEqual(cancelled.message, "why not")
          assert.strictEqual(cancelled.cancelMessage, "why not")
          assert.strictEqual(cancelled.reason.kind, "cancel")
          assert.match(cancelled.reason.detail, /victim was cancelled/)
        }
      })
  )

  it.effect(
    "done callbacks run after completion, in registration order, each once; remove returns the count removed",
    () =>
      Effect.gen(function* () {
        const log: Array<string> = []
        const fut = yield* Deferred.make<number>()
        const task = yield* asyncio.createTask(Deferred.await(fut), { name: "watched" })
        const cb = (label: string) => (t: asyncio.Task<number>) =>
          Effect.sync(() => {
            log.push(`${label}(${t.name}, ${t === task})`)
          })
        const cb1 = cb("cb1")
        const cb2 = cb("cb2")
        const cb3 = cb("cb3")
        yield* task.addDoneCallback(cb1)
        yield* task.addDoneCallback(cb2)
        yield* task.addDoneCallback(cb1)
        yield* task.addDoneCallback(cb3)
        const removed = yield* task.removeDoneCallback(cb1)
        const removedAgain = yield* task.removeDoneCallback(cb1)
        yield* asyncio.sleep(0)
        yield* Deferred.succeed(fut, 1)
        log.push("completed")
        yield* settle
        assert.deepStrictEqual([removed, removedAgain], [2, 0])
        assert.deepStrictEqual(log, ["completed", "cb2(watched, true)", "cb3(watched, true)"])
        // Registered after the task is done: still called, but scheduled, never synchronously (Python: call_soon).
        yield* task.addDoneCallback(cb("late"))
        log.push("registered late")
        yield* settle
        assert.deepStrictEqual(log.slice(3), ["registered late", "late(watched, true)"])
        // The callbacks already ran: nothing left to remove.
        assert.strictEqual(yield* task.removeDoneCallback(cb2), 0)
      })
  )

  it.effect(
    "a done callback is not a task: currentTask() inside it is undefined, even if a task registered it",
    () =>
      Effect.gen(function* () {
        // asyncio.current_task() is None when no task is running, and done callbacks run through
        // loop.call_soon, outside any task (https://docs.python.org/3/library/asyncio-task.html#asyncio.current_task).
        const { value } = yield* virtual(
          Effect.gen(function* () {
            const seen: Array<string | undefined> = []
            const registrar = yield* asyncio.createTask(
              Effect.gen(function* () {
                const watched = yield* asyncio.createTask(asyncio.sleep(0, 1), { name: "watched" })
                yield* watched.addDoneCallback(() =>
                  Effect.map(asyncio.currentTask, (current) => {
                    seen.push(current?.name)
                  })
                )
                yield* watched
                yield* asyncio.sleep(0.05)
              }),
              { name: "registrar" }
            )
            yield* registrar
            return seen
          })
        )
        assert.deepStrictEqual(value, [undefined])
      })
  )

  it.effect("a failing done callback does not stop the others", () =>
    Effect.gen(function* () {
      const log: Array<string> = []
      const task = yield* asyncio.createTask(asyncio.sleep(0, 7))
      yield* task.addDoneCallback(() => Effect.die(new Error("callback bug")))
      yield* task.addDoneCallback((t) =>
        Effect.flatMap(t.result(), (v) =>
          Effect.sync(() => {
            log.push(`second saw ${v}`)
          })
        ).pipe(Effect.orDie)
      )
      yield* task
      yield* settle
      assert.deepStrictEqual(log, ["second saw 7"])
    })
  )

  it.effect(
    "cancelling the awaiter of `yield* task` cancels the task with the message and waits for its cleanup",
    () =>
      Effect.gen(function* () {
        const { value, elapsed } = yield* virtual(
          Effect.gen(function* () {
            const log: Array<string> = []
            const at = (what: string) =>
              Effect.flatMap(now, (t) =>
                Effect.sync(() => {
                  log.push(`${what} at ${t}`)
                })
              )
            const b = yield* asyncio.createTask(
              asyncio
                .sleep(10)
                .pipe(Effect.onInterrupt(() => Effect.andThen(asyncio.sleep(0.5), at("B cleaned up")))),
              { name: "B" }
            )
            const a = yield* awaiterOf(b, "A")
            yield* asyncio.sleep(1)
            yield* a.cancel("stop")
            yield* Effect.exit(a)
            yield* at("A done")
            const bError = yield* cancelledErrorOf(b)
            const aError = yield* cancelledErrorOf(a)
            return {
              log,
              b: { kind: bError.reason.kind, message: bError.cancelMessage, detail: bError.reason.detail },
              a: { kind: aError.reason.kind, message: aError.cancelMessage }
            }
          })
        )
        assert.deepStrictEqual(value.log, ["B cleaned up at 1.5", "A done at 1.5"])
        assert.deepStrictEqual(value.a, { kind: "cancel", message: "stop" })
        // The forwarded cancellation keeps the root cause (kind and message); the detail says how it travelled.
        assert.strictEqual(value.b.kind, "cancel")
        assert.strictEqual(value.b.message, "stop")
        assert.match(value.b.detail, /A awaiting B was cancelled/)
        assert.strictEqual(elapsed, 1.5)
      })
  )

  it.effect(
    "cancelling an awaited task does not cancel its awaiter: the awaiter may handle it and carry on",
    () =>
      Effect.gen(function* () {
        const { value } = yield* virtual(
          Effect.gen(function* () {
            const b = yield* asyncio.createTask(asyncio.sleep(10, "b"))
            const a = yield* asyncio.createTask(
              b.pipe(
                Effect.catchCause((cause) =>
                  Cause.hasInterruptsOnly(cause) ? Effect.succeed("b was cancelled") : Effect.failCause(cause)
                ),
                Effect.map((s) => `A carried on: ${s}`)
              )
            )
            yield* asyncio.sleep(0)
            yield* b.cancel()
            return { a: yield* a, aCancelled: yield* a.cancelled(), aCancelling: yield* a.cancelling() }
          })
        )
        assert.deepStrictEqual(value, {
          a: "A carried on: b was cancelled",
          aCancelled: false,
          aCancelling: 0
        })
      })
  )

  it.effect("awaiting an already finished task returns its value at once, without yielding", () =>
    Effect.gen(function* () {
      const task = yield* asyncio.createTask(Effect.succeed("ready"))
      yield* task
      let otherRan = false
      yield* Effect.forkChild(
        Effect.sync(() => {
          otherRan = true
        })
      )
      const value = yield* task
      assert.strictEqual(value, "ready")
      assert.isFalse(otherRan)
      yield* asyncio.sleep(0)
      assert.isTrue(otherRan)
    })
  )

  it.effect("a task starts only when its creator yields, and tasks start in creation order", () =>
    Effect.gen(function* () {
      const log: Array<string> = []
      const say = (s: string) =>
        Effect.sync(() => {
          log.push(s)
        })
      const t1 = yield* asyncio.createTask(say("t1 started"))
      const t2 = yield* asyncio.createTask(say("t2 started"))
      yield* say("creator continues")
      yield* asyncio.sleep(0)
      yield* t1
      yield* t2
      assert.deepStrictEqual(log, ["creator continues", "t1 started", "t2 started"])
    })
  )
})

describe("ownership", () => {
  it.effect("inside Loop.scoped a task outlives the task that created it and finishes normally", () =>
    Effect.gen(function* () {
      const { value, elapsed } = yield* virtual(
        asyncio.Loop.scoped(
          Effect.gen(function* () {
            const creator = yield* asyncio.createTask(asyncio.createTask(asyncio.sleep(1, "child value")))
            const child = yield* creator
            const creatorDone = yield* creator.done()
            const childValue = yield* child
            return { creatorDone, childValue, at: yield* now }
          })
        )
      )
      assert.deepStrictEqual(value, { creatorDone: true, childValue: "child value", at: 1 })
      assert.strictEqual(elapsed, 1)
    })
  )

  it.effect(
    "without a loop scope a task is a child of the creating fiber: it is cancelled when that fiber ends",
    () =>
      Effect.gen(function* () {
        const { value, elapsed } = yield* virtual(
          Effect.gen(function* () {
            const creator = yield* asyncio.createTask(asyncio.createTask(asyncio.sleep(1, "child value")))
            const child = yield* creator
            const awaited = yield* Effect.exit(child)
            const error = yield* cancelledErrorOf(child)
            return { awaitedCancelled: isInterrupted(awaited), kind: error.reason.kind, at: yield* now }
          })
        )
        assert.deepStrictEqual(value, { awaitedCancelled: true, kind: "interrupt", at: 0 })
        assert.strictEqual(elapsed, 0)
      })
  )

  it.effect(
    "when Loop.scoped ends, pending tasks are cancelled with reason 'shutdown' and their cleanup awaited",
    () =>
      Effect.gen(function* () {
        const log: Array<string> = []
        let leftover: asyncio.Task<void> | undefined
        const { value, elapsed } = yield* virtual(
          Effect.gen(function* () {
            const result = yield* asyncio.Loop.scoped(
              Effect.gen(function* () {
                leftover = yield* asyncio.createTask(
                  asyncio.sleep(10).pipe(
                    Effect.onInterrupt(() =>
                      Effect.andThen(
                        asyncio.sleep(0.5),
                        Effect.sync(() => {
                          log.push("leftover cleaned up")
                        })
                      )
                    )
                  ),
                  { name: "leftover" }
                )
                yield* asyncio.sleep(0)
                return 123
              })
            )
            log.push("Loop.scoped returned")
            const error = yield* cancelledErrorOf(leftover!)
            return { result, kind: error.reason.kind, detail: error.reason.detail }
          })
        )
        assert.strictEqual(value.result, 123)
        assert.strictEqual(value.kind, "shutdown")
        assert.match(value.detail, /loop scope .* was shutting down/)
        assert.deepStrictEqual(log, ["leftover cleaned up", "Loop.scoped returned"])
        assert.strictEqual(elapsed, 0.5)
      })
  )

  it.effect(
    "when Loop.scoped ends, tasks ready at that moment (created, or woken by main's last step) take their step before the shutdown cancels them, as in asyncio.run",
    () =>
      Effect.gen(function* () {
        // CPython 3.11 prints: created starts, waiter woke, created cleaned up (asyncio.run stops the loop after
        // the iteration in which main completes; what was ready runs in it).
        const log: Array<string> = []
        const { value } = yield* virtual(
          asyncio.Loop.scoped(
            Effect.gen(function* () {
              const event = yield* asyncio.Event.make()
              yield* asyncio.createTask(
                Effect.andThen(
                  event.wait(),
                  Effect.sync(() => {
                    log.push("waiter woke")
                  })
                ),
                { name: "waiter" }
              )
              yield* asyncio.sleep(0)
              yield* asyncio.createTask(
                Effect.andThen(
                  Effect.sync(() => {
                    log.push("created starts")
                  }),
                  asyncio
                    .sleep(10)
                    .pipe(Effect.onInterrupt(() => Effect.sync(() => log.push("created cleaned up"))))
                ),
                { name: "created" }
              )
              yield* event.set()
              return 123
            })
          )
        )
        assert.strictEqual(value, 123)
        assert.deepStrictEqual(log, ["created starts", "waiter woke", "created cleaned up"])
      })
  )

  it.effect("Loop.layer owns tasks created where it is provided and cancels them when released", () =>
    Effect.gen(function* () {
      let task: asyncio.Task<void> | undefined
      const { value } = yield* virtual(
        Effect.gen(function* () {
          yield* Effect.gen(function* () {
            task = yield* asyncio.createTask(asyncio.sleep(10))
            yield* asyncio.sleep(0)
          }).pipe(Effect.provide(asyncio.Loop.layer()))
          return (yield* cancelledErrorOf(task!)).reason.kind
        })
      )
      assert.strictEqual(value, "shutdown")
    })
  )

  it.effect(
    "currentTask(): undefined outside tasks, the task inside one (also in raw forked fibers), main in a loop",
    () =>
      Effect.gen(function* () {
        const { value } = yield* virtual(
          Effect.gen(function* () {
            const outside = yield* asyncio.currentTask
            const task = yield* asyncio.createTask(
              Effect.gen(function* () {
                const me = yield* asyncio.currentTask
                const fromFork = yield* Fiber.join(yield* Effect.forkChild(asyncio.currentTask))
                return { me, fromFork }
              }),
              { name: "worker" }
            )
            const inside = yield* task
            const main = yield* asyncio.Loop.scoped(
              Effect.map(asyncio.currentTask, (t) => t?.name),
              { mainName: "main" }
            )
            return { outside, inside, task, main }
          })
        )
        assert.isUndefined(value.outside)
        assert.strictEqual(value.inside.me, value.task)
        assert.strictEqual(value.inside.fromFork, value.task)
        assert.strictEqual(value.main, "main")
      })
  )

  it.effect("allTasks() with no loop scope: the process-wide tasks that are not done", () =>
    Effect.gen(function* () {
      const { value } = yield* virtual(
        Effect.gen(function* () {
          const pending = yield* asyncio.createTask(asyncio.sleep(1), { name: "no-loop pending" })
          const quick = yield* asyncio.createTask(Effect.succeed(1), { name: "no-loop quick" })
          yield* quick
          const all = yield* asyncio.allTasks
          const listed = { pending: all.has(pending), quick: all.has(quick) }
          yield* pending
          return { ...listed, pendingAfter: (yield* asyncio.allTasks).has(pending) }
        })
      )
      assert.deepStrictEqual(value, { pending: true, quick: false, pendingAfter: false })
    })
  )

  it.effect("allTasks(): the loop's tasks that are not done, including the current (main) task", () =>
    Effect.gen(function* () {
      const { value } = yield* virtual(
        asyncio.Loop.scoped(
          Effect.gen(function* () {
            const names = (tasks: ReadonlySet<asyncio.Task<unknown, unknown>>) =>
              Array.from(tasks, (t) => t.name).sort()
            const quick = yield* asyncio.createTask(asyncio.sleep(0, "q"), { name: "quick" })
            const slow = yield* asyncio.createTask(asyncio.sleep(1, "s"), { name: "slow" })
            const before = names(yield* asyncio.allTasks)
            yield* quick
            const afterQuick = names(yield* asyncio.allTasks)
            yield* slow
            const afterSlow = names(yield* asyncio.allTasks)
            return { before, afterQuick, afterSlow }
          }),
          { mainName: "main" }
        )
      )
      assert.deepStrictEqual(value, {
        before: ["main", "quick", "slow"],
        afterQuick: ["main", "slow"],
        afterSlow: ["main"]
      })
    })
  )
})

describe("getName / setName", () => {
  it.effect("TK-29 getName and setName read and rename a task, as Python's get_name/set_name", () =>
    Effect.gen(function* () {
      const task = yield* asyncio.createTask(asyncio.sleep(1), { name: "first" })
      assert.strictEqual(yield* task.getName(), "first")
      yield* task.setName("renamed")
      assert.strictEqual(yield* task.getName(), "renamed")
      assert.strictEqual(task.name, "renamed")
      yield* task.cancel()
    })
  )
})

describe("creation under any scheduler budget", () => {
  // A task's fiber is created in the creating step and parked until its first step's turn; Effect may make a new
  // fiber yield before its first instruction (a step budget, `MaxOpsBeforeYield`, of 1): the task must still run its
  // body once, in creation order, and (at the default budget) a task cancelled before its turn must never run it.
  it.effect(
    "createTask, TaskGroup.createTask and asCompleted start their tasks in order under budgets 2048, 8, 1",
    () =>
      Effect.gen(function* () {
        for (const budget of [2048, 8, 1]) {
          const started: Array<string> = []
          const body = (label: string) =>
            Effect.suspend(() => {
              started.push(label)
              return asyncio.sleep(0, label)
            })
          const main = Effect.gen(function* () {
            const a = yield* asyncio.createTask(body("a"))
            const b = yield* asyncio.createTask(body("b"))
            const cancelled = yield* asyncio.createTask(body("never"))
            yield* cancelled.cancel()
            const group = yield* asyncio.TaskGroup.run((tg) =>
              Effect.gen(function* () {
                const c = yield* tg.createTask(body("c"))
                const d = yield* tg.createTask(body("d"))
                return [c, d]
              })
            )
            const ordered: Array<string> = []
            for (const next of yield* asyncio.asCompleted([body("e"), body("f")])) ordered.push(yield* next)
            const results = [yield* a, yield* b]
            for (const task of group ?? []) results.push(yield* task)
            const wasCancelled = yield* Effect.exit(cancelled)
            return {
              results,
              ordered,
              cancelled: Exit.hasInterrupts(wasCancelled),
              live: (yield* asyncio.allTasks).size
            }
          })
          const exit = yield* Effect.exit(
            asyncio.Loop.scoped(main).pipe(Effect.provideService(Scheduler.MaxOpsBeforeYield, budget))
          )
          const label = `budget ${budget}`
          assert(Exit.isSuccess(exit), label)
          const { results, ordered, cancelled, live } = exit.value
          assert.deepStrictEqual(results, ["a", "b", "c", "d"], label)
          assert.deepStrictEqual(ordered, ["e", "f"], label)
          assert.isTrue(cancelled, label)
          assert.strictEqual(live, 1, label)
          // Under a small budget Effect may preempt the creating fiber before the cancel() (asyncio never preempts):
          // the cancelled task may then have started, once; at the default budget it never runs its body.
          const never = started.filter((label) => label === "never").length
          assert.strictEqual(never, budget === 2048 ? 0 : Math.min(never, 1), label)
          assert.deepStrictEqual(
            started.filter((label) => label !== "never"),
            ["a", "b", "c", "d", "e", "f"],
            label
          )
        }
      })
  )
})
