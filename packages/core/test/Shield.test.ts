/**
 * `shield`: the SH conformance cases (docs/conformance.md) and asyncio's `shield`
 * (https://docs.python.org/3/library/asyncio-task.html#asyncio.shield).
 * We have no Future type: Python's pending future is a task blocked on a `Deferred`, and Python's "outer" future
 * is the task that awaits `shield(inner)`.
 */

import { assert, describe, it } from "@effect/vitest"
import * as asyncio from "@effect-asyncio/core"
import * as Data from "effect/Data"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import { cancelledErrorOf, defectOf, failureOf, isInterrupted, stateOf } from "./utils/taskState.ts"
import { now, runVirtual } from "./utils/virtual.ts"

class Boom extends Data.TaggedError("Boom")<{ readonly message: string }> {}
class ValueError extends Data.TaggedError("ValueError")<{ readonly message: string }> {}

/** Runs `effect` on virtual time and fails the test if it does not succeed; returns the value and elapsed time. */
const virtual = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.flatMap(runVirtual(effect), ({ exit, elapsed }) => Effect.map(exit, (value) => ({ value, elapsed })))

/** A task blocked on a fresh Deferred (Python: a pending future), and the Deferred that completes it. */
const pendingTask = <A>(name?: string) =>
  Effect.gen(function* () {
    const fut = yield* Deferred.make<A>()
    const task = yield* asyncio.createTask(Deferred.await(fut), { name })
    return { fut, task }
  })

describe("SH — shield", () => {
  it.effect("SH-01 awaiting shield(inner) gives inner's value once inner completes (42)", () =>
    Effect.gen(function* () {
      const { value } = yield* virtual(
        Effect.gen(function* () {
          const inner = yield* pendingTask<number>()
          const outer = yield* asyncio.createTask(asyncio.shield(inner.task))
          yield* asyncio.sleep(0)
          yield* Deferred.succeed(inner.fut, 42)
          return yield* outer
        })
      )
      assert.strictEqual(value, 42)
    })
  )

  it.effect("SH-02 inner failing after one tick: the shield fails with the very same error instance", () =>
    Effect.gen(function* () {
      const { value } = yield* virtual(
        Effect.gen(function* () {
          const error = new Boom({ message: "inner failed" })
          const inner = yield* asyncio.createTask(Effect.andThen(asyncio.sleep(0), Effect.fail(error)))
          const exit = yield* Effect.exit(asyncio.shield(inner))
          return { same: failureOf(exit) === error, exception: (yield* inner.exception()) === error }
        })
      )
      assert.deepStrictEqual(value, { same: true, exception: true })
    })
  )

  it.effect(
    "SH-04 cancelling the awaiter of shield(inner) cancels only the awaiter; inner stays pending",
    () =>
      Effect.gen(function* () {
        const { value } = yield* virtual(
          Effect.gen(function* () {
            const inner = yield* pendingTask<number>()
            const outer = yield* asyncio.createTask(asyncio.shield(inner.task))
            yield* asyncio.sleep(0)
            yield* outer.cancel()
            yield* Effect.exit(outer)
            const outerState = (yield* stateOf(outer))._tag
            const innerState = (yield* stateOf(inner.task))._tag
            const innerCancelling = yield* inner.task.cancelling()
            // Completing inner afterwards changes nothing for the cancelled outer (it keeps no link to inner).
            yield* Deferred.succeed(inner.fut, 7)
            return {
              outerState,
              innerState,
              innerCancelling,
              innerLater: yield* stateOf(inner.task),
              outerLater: (yield* stateOf(outer))._tag
            }
          })
        )
        assert.deepStrictEqual(value, {
          outerState: "Cancelled",
          innerState: "Pending",
          innerCancelling: 0,
          innerLater: { _tag: "Result", value: 7 },
          outerLater: "Cancelled"
        })
      })
  )

  it.effect("SH-05 shield of an already finished task gives its value at once", () =>
    Effect.gen(function* () {
      const { value, elapsed } = yield* virtual(
        Effect.gen(function* () {
          const inner = yield* asyncio.createTask(Effect.succeed(42))
          yield* inner
          return yield* asyncio.shield(inner)
        })
      )
      assert.strictEqual(value, 42)
      assert.strictEqual(elapsed, 0)
    })
  )

  it.effect(
    "SH-07 shield(gather task): cancelling the awaiter leaves the children alone; the gather gives [1, 2]",
    () =>
      Effect.gen(function* () {
        const { value } = yield* virtual(
          Effect.gen(function* () {
            const child1 = yield* pendingTask<number>()
            const child2 = yield* pendingTask<number>()
            const parent = yield* asyncio.createTask(asyncio.gather(child1.task, child2.task))
            const outer = yield* asyncio.createTask(asyncio.shield(parent))
            yield* asyncio.sleep(0)
            yield* outer.cancel()
            yield* Effect.exit(outer)
            const outerCancelled = yield* outer.cancelled()
            const childrenCancelled = [yield* child1.task.cancelled(), yield* child2.task.cancelled()]
            yield* Deferred.succeed(child1.fut, 1)
            yield* Deferred.succeed(child2.fut, 2)
            return { outerCancelled, childrenCancelled, parent: yield* parent }
          })
        )
        assert.deepStrictEqual(value, {
          outerCancelled: true,
          childrenCancelled: [false, false],
          parent: [1, 2]
        })
      })
  )

  it.effect(
    "SH-08 gather(shield(c1), shield(c2)) cancelled: the gather ends cancelled, the children live on",
    () =>
      Effect.gen(function* () {
        const { value } = yield* virtual(
          Effect.gen(function* () {
            const child1 = yield* pendingTask<number>()
            const child2 = yield* pendingTask<number>()
            const parent = yield* asyncio.createTask(
              asyncio.gather(asyncio.shield(child1.task), asyncio.shield(child2.task))
            )
            yield* asyncio.sleep(0)
            yield* parent.cancel("stop")
            yield* Effect.exit(parent)
            const parentError = yield* Effect.flip(parent.exception())
            const childrenDone = [yield* child1.task.done(), yield* child2.task.done()]
            yield* Deferred.succeed(child1.fut, 1)
            yield* Deferred.succeed(child2.fut, 2)
            return {
              parentError: parentError._tag,
              parentMessage: (parentError as asyncio.CancelledError).cancelMessage,
              childrenDone,
              children: [yield* child1.task, yield* child2.task]
            }
          })
        )
        assert.deepStrictEqual(value, {
          parentError: "CancelledError",
          parentMessage: "stop",
          childrenDone: [false, false],
          children: [1, 2]
        })
      })
  )

  it.effect(
    "SH-10 the caller of shield(I) cancelled at t=0.005 ends at once; I still gives 'inner done' at t=0.02",
    () =>
      Effect.gen(function* () {
        const { value, elapsed } = yield* virtual(
          Effect.gen(function* () {
            const inner = yield* asyncio.createTask(asyncio.sleep(0.02, "inner done"))
            const caller = yield* asyncio.createTask(asyncio.shield(inner))
            yield* asyncio.sleep(0.005)
            yield* caller.cancel()
            const awaited = yield* Effect.exit(caller)
            const callerDoneAt = yield* now
            const innerDoneThen = yield* inner.done()
            const innerValue = yield* inner
            return {
              callerCancelled: isInterrupted(awaited),
              callerDoneAt,
              innerDoneThen,
              innerValue,
              innerDoneAt: yield* now
            }
          })
        )
        assert.deepStrictEqual(value, {
          callerCancelled: true,
          callerDoneAt: 0.005,
          innerDoneThen: false,
          innerValue: "inner done",
          innerDoneAt: 0.02
        })
        assert.strictEqual(elapsed, 0.02)
      })
  )

  it.effect("SH-10 shield over an effect that raises ValueError fails with that ValueError", () =>
    Effect.gen(function* () {
      const error = new ValueError({ message: "bad value" })
      const { exit } = yield* runVirtual(
        asyncio.shield(Effect.andThen(asyncio.sleep(0.01), Effect.fail(error)))
      )
      assert.strictEqual(failureOf(exit), error)
    })
  )
})

describe("shield semantics", () => {
  it.effect(
    "inner cancelled by someone else: the shield reports the cancellation (its awaiter ends cancelled)",
    () =>
      Effect.gen(function* () {
        const { value } = yield* virtual(
          Effect.gen(function* () {
            const inner = yield* asyncio.createTask(asyncio.sleep(10), { name: "inner" })
            const caller = yield* asyncio.createTask(asyncio.shield(inner))
            yield* asyncio.sleep(0)
            yield* inner.cancel("from elsewhere")
            yield* Effect.exit(caller)
            return {
              caller: (yield* stateOf(caller))._tag,
              message: (yield* cancelledErrorOf(caller)).cancelMessage
            }
          })
        )
        assert.deepStrictEqual(value, { caller: "Cancelled", message: "from elsewhere" })
      })
  )

  it.effect(
    "shield over an effect without a loop scope: the work finishes after its awaiter is cancelled",
    () =>
      Effect.gen(function* () {
        const log: Array<string> = []
        const { value } = yield* virtual(
          Effect.gen(function* () {
            const work = Effect.andThen(
              asyncio.sleep(1),
              Effect.flatMap(now, (t) =>
                Effect.sync(() => {
                  log.push(`work done at ${t}`)
                })
              )
            )
            const caller = yield* asyncio.createTask(asyncio.shield(work))
            yield* asyncio.sleep(0.1)
            yield* caller.cancel()
            yield* Effect.exit(caller)
            const cancelledAt = yield* now
            yield* asyncio.sleep(2)
            return { cancelledAt, callerCancelled: yield* caller.cancelled() }
          })
        )
        assert.deepStrictEqual(value, { cancelledAt: 0.1, callerCancelled: true })
        assert.deepStrictEqual(log, ["work done at 1"])
      })
  )

  it.effect(
    "shield over an effect in a loop scope: the inner task belongs to the loop and survives the awaiter",
    () =>
      Effect.gen(function* () {
        const log: Array<string> = []
        const { value } = yield* virtual(
          asyncio.Loop.scoped(
            Effect.gen(function* () {
              const work = Effect.andThen(
                asyncio.sleep(1, "saved"),
                Effect.flatMap(now, (t) =>
                  Effect.sync(() => {
                    log.push(`work done at ${t}`)
                    return "saved"
                  })
                )
              )
              const caller = yield* asyncio.createTask(asyncio.shield(work), { name: "caller" })
              yield* asyncio.sleep(0.1)
              const names = Array.from(yield* asyncio.allTasks, (t) => t.name)
              const inner = Array.from(yield* asyncio.allTasks).find(
                (t) => t.name !== "main" && t.name !== "caller"
              )
              yield* caller.cancel()
              yield* Effect.exit(caller)
              const innerValue = inner === undefined ? undefined : yield* inner
              return { tasks: names.length, innerValue, at: yield* now }
            }),
            { mainName: "main" }
          )
        )
        assert.deepStrictEqual(value, { tasks: 3, innerValue: "saved", at: 1 })
        assert.deepStrictEqual(log, ["work done at 1"])
      })
  )

  it.effect("shielded work still pending when the loop scope ends is cancelled with reason 'shutdown'", () =>
    Effect.gen(function* () {
      const log: Array<string> = []
      let inner: asyncio.Task<unknown, unknown> | undefined
      const { value, elapsed } = yield* virtual(
        Effect.gen(function* () {
          yield* asyncio.Loop.scoped(
            Effect.gen(function* () {
              const caller = yield* asyncio.createTask(
                asyncio.shield(
                  asyncio.sleep(10).pipe(
                    Effect.onInterrupt(() =>
                      Effect.sync(() => {
                        log.push("shielded work cancelled")
                      })
                    )
                  )
                ),
                { name: "caller" }
              )
              yield* asyncio.sleep(0.1)
              inner = Array.from(yield* asyncio.allTasks).find(
                (t) => t.name !== "main" && t.name !== "caller"
              )
              yield* caller.cancel()
              yield* Effect.exit(caller)
            }),
            { mainName: "main" }
          )
          return (yield* cancelledErrorOf(inner!)).reason.kind
        })
      )
      assert.strictEqual(value, "shutdown")
      assert.deepStrictEqual(log, ["shielded work cancelled"])
      assert.strictEqual(elapsed, 0.1)
    })
  )

  it.effect(
    "shield(effect) runs the effect as a task of its own: currentTask() inside it is not the caller",
    () =>
      Effect.gen(function* () {
        const { value } = yield* virtual(
          Effect.gen(function* () {
            const caller = yield* asyncio.createTask(asyncio.shield(asyncio.currentTask), { name: "caller" })
            const inner = yield* caller
            return { isTask: inner !== undefined && asyncio.isTask(inner), isCaller: inner === caller }
          })
        )
        assert.deepStrictEqual(value, { isTask: true, isCaller: false })
      })
  )

  it.effect("shield(non-effect) is a defect carrying TypeError", () =>
    Effect.gen(function* () {
      const exit = yield* Effect.exit(asyncio.shield("nope" as unknown as Effect.Effect<string>))
      const defect = defectOf(exit) as asyncio.TypeError
      assert.strictEqual(defect._tag, "TypeError")
      assert.match(defect.message, /shield: an Effect was expected/)
    })
  )
})
