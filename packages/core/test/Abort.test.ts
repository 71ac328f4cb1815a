/**
 * `Abort`: the AbortSignal bridge, both ways. Virtual time for deadlines; the "Promise-based code" is a fake
 * operation whose promise the test settles by hand (or that rejects when its signal aborts, as `fetch` does), so
 * nothing waits on real time.
 */
import { assert, describe, it } from "@effect/vitest"
import * as asyncio from "@effect-asyncio/core"
import * as Cause from "effect/Cause"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Scheduler from "effect/Scheduler"
import { TestClock } from "effect/testing"
import { cancelledErrorOf, defectOf, failureOf, isInterrupted, stateOf } from "./utils/taskState.ts"
import { now, primeTestClock, runVirtual, settle } from "./utils/virtual.ts"

class Refused extends Data.TaggedError("Refused")<{ readonly message: string }> {}

/**
 * A fake abortable operation (think `fetch`): `start(signal)` returns a promise that the test resolves or rejects,
 * and that rejects with `signal.reason` when the signal aborts — unless `ignoreAbort`, then only by hand.
 */
const fakeOperation = (options?: { readonly ignoreAbort?: boolean }) => {
  let resolve: (value: string) => void = () => {}
  let reject: (error: unknown) => void = () => {}
  const state: { signal: AbortSignal | undefined; started: number; abortedAt: number | undefined } = {
    signal: undefined,
    started: 0,
    abortedAt: undefined
  }
  const start = (signal: AbortSignal): Promise<string> => {
    state.signal = signal
    state.started++
    return new Promise<string>((res, rej) => {
      resolve = res
      reject = rej
      signal.addEventListener("abort", () => {
        if (options?.ignoreAbort !== true) rej(signal.reason)
      })
    })
  }
  return {
    start,
    state,
    resolve: (value: string) => resolve(value),
    reject: (error: unknown) => reject(error)
  }
}

/** The CancelledError an aborted signal carries as its reason. */
const reasonOfAborted = (signal: AbortSignal | undefined): asyncio.CancelledError => {
  assert.isDefined(signal)
  assert.isTrue(signal?.aborted, "the signal was aborted")
  assert.instanceOf(signal?.reason, asyncio.CancelledError)
  return signal?.reason as asyncio.CancelledError
}

describe("Abort.fromPromise: cancellation aborts the signal", () => {
  it.effect("succeeds with the promise's value; the signal is not aborted afterwards", () =>
    Effect.gen(function* () {
      const op = fakeOperation()
      const fiber = yield* Effect.forkChild(asyncio.Abort.fromPromise(op.start))
      yield* settle
      op.resolve("body")
      assert.strictEqual(yield* Fiber.join(fiber), "body")
      assert.isFalse(op.state.signal?.aborted)
    })
  )

  it.effect(
    "a rejection is Cause.UnknownError by default, or what `catch` makes of it; a throwing catch is a defect",
    () =>
      Effect.gen(function* () {
        const unknown = yield* Effect.flip(
          asyncio.Abort.fromPromise(() => Promise.reject(new Error("ECONNREFUSED")))
        )
        assert.instanceOf(unknown, Cause.UnknownError)
        assert.strictEqual((unknown.cause as Error).message, "ECONNREFUSED")
        const typed = yield* Effect.flip(
          asyncio.Abort.fromPromise(() => Promise.reject(new Error("ECONNREFUSED")), {
            catch: (error) => new Refused({ message: (error as Error).message })
          })
        )
        assert.deepInclude(typed, { _tag: "Refused", message: "ECONNREFUSED" })
        const sync = yield* Effect.flip(
          asyncio.Abort.fromPromise(
            () => {
              throw new Error("thrown synchronously")
            },
            { catch: (error) => (error as Error).message }
          )
        )
        assert.strictEqual(sync, "thrown synchronously")
        const exit = yield* Effect.exit(
          asyncio.Abort.fromPromise(() => Promise.reject(new Error("x")), {
            catch: () => {
              throw new Error("bad catch")
            }
          })
        )
        assert.isTrue(Exit.isFailure(exit) && Cause.hasDies(exit.cause))
      })
  )

  it.effect(
    "task.cancel(msg): the signal is aborted with a CancelledError carrying kind 'cancel' and the message",
    () =>
      Effect.gen(function* () {
        const op = fakeOperation()
        const task = yield* asyncio.createTask(asyncio.Abort.fromPromise(op.start), { name: "download" })
        yield* settle
        assert.strictEqual(op.state.started, 1)
        yield* task.cancel("user pressed stop")
        yield* Fiber.await(task.fiber)
        const reason = reasonOfAborted(op.state.signal)
        assert.deepInclude(reason.reason, { kind: "cancel", message: "user pressed stop" })
        assert.strictEqual(reason.cancelMessage, "user pressed stop")
        assert.strictEqual((yield* stateOf(task))._tag, "Cancelled")
        assert.strictEqual((yield* cancelledErrorOf(task)).reason.kind, "cancel")
      })
  )

  it.effect("waitFor: the signal is aborted at the deadline with kind 'timeout', then TimeoutError", () =>
    Effect.gen(function* () {
      const op = fakeOperation()
      const { exit, elapsed } = yield* runVirtual(asyncio.waitFor(asyncio.Abort.fromPromise(op.start), 1.5))
      assert.strictEqual(elapsed, 1.5)
      assert.instanceOf(failureOf(exit), asyncio.TimeoutError)
      assert.strictEqual(reasonOfAborted(op.state.signal).reason.kind, "timeout")
    })
  )

  it.effect("cancellation waits until the promise settled (the operation really stopped)", () =>
    Effect.gen(function* () {
      const op = fakeOperation({ ignoreAbort: true })
      const fiber = yield* Effect.forkChild(asyncio.Abort.fromPromise(op.start))
      yield* settle
      const canceller = yield* Effect.forkChild(Fiber.interrupt(fiber))
      yield* settle
      assert.isTrue(op.state.signal?.aborted)
      assert.isUndefined(canceller.pollUnsafe(), "still waiting for the promise")
      op.reject(new Error("socket closed"))
      yield* Fiber.join(canceller)
      assert.isTrue(Exit.hasInterrupts(yield* Fiber.await(fiber)))
    })
  )

  it.effect("waitOnAbort: false — the cancellation completes without waiting for the promise", () =>
    Effect.gen(function* () {
      const op = fakeOperation({ ignoreAbort: true })
      const fiber = yield* Effect.forkChild(asyncio.Abort.fromPromise(op.start, { waitOnAbort: false }))
      yield* settle
      yield* Fiber.interrupt(fiber)
      assert.isTrue(op.state.signal?.aborted)
    })
  )

  it.effect("inside raw Effect concurrency in a cancelled task, the signal gets the task's reason", () =>
    Effect.gen(function* () {
      const a = fakeOperation()
      const b = fakeOperation()
      const task = yield* asyncio.createTask(
        Effect.all([asyncio.Abort.fromPromise(a.start), asyncio.Abort.fromPromise(b.start)], {
          concurrency: "unbounded"
        })
      )
      yield* settle
      yield* task.cancel("shutting down the page")
      yield* Fiber.await(task.fiber)
      for (const op of [a, b]) {
        assert.deepInclude(reasonOfAborted(op.state.signal).reason, {
          kind: "cancel",
          message: "shutting down the page"
        })
      }
    })
  )
})

describe("Abort.fromPromise: misuse is a defect, a failing operation is a failure (issue 10)", () => {
  /** Runs `effect` inside `Effect.ensuring`, and reports the exit and whether the finalizer ran. */
  const guarded = (effect: Effect.Effect<unknown, unknown>) =>
    Effect.gen(function* () {
      let finalized = false
      const exit = yield* Effect.exit(
        Effect.ensuring(
          effect,
          Effect.sync(() => {
            finalized = true
          })
        )
      )
      return { exit, finalized }
    })

  it.effect(
    "a function that returns no promise (a forgotten return): TypeError defect, finalizers run, signal aborted",
    () =>
      Effect.gen(function* () {
        for (const [returned, shown] of [
          [undefined, "undefined"],
          [42, "42"],
          [{ value: 1 }, "{ value: 1 }"]
        ] as const) {
          let signal: AbortSignal | undefined
          const { exit, finalized } = yield* guarded(
            asyncio.Abort.fromPromise((s) => {
              signal = s
              // a forgotten `return` of `fetch(url, { signal })`
              return returned as unknown as Promise<string>
            })
          )
          const defect = defectOf(exit)
          assert.instanceOf(defect, asyncio.TypeError)
          assert.include((defect as asyncio.TypeError).message, "Abort.fromPromise")
          assert.include((defect as asyncio.TypeError).message, `got ${shown}`)
          assert.isTrue(finalized, "the finalizer ran")
          assert.isTrue(signal?.aborted, "what the function started is told to stop")
          assert.strictEqual(signal?.reason, defect)
        }
      })
  )

  it.effect(
    "fromPromise(42) — not a function — dies with TypeError when the effect runs, naming the value",
    () =>
      Effect.gen(function* () {
        const { exit, finalized } = yield* guarded(
          asyncio.Abort.fromPromise(42 as unknown as (signal: AbortSignal) => Promise<number>)
        )
        const defect = defectOf(exit)
        assert.instanceOf(defect, asyncio.TypeError)
        assert.strictEqual(
          (defect as asyncio.TypeError).message,
          "Abort.fromPromise: evaluate must be a function, got 42"
        )
        assert.isTrue(finalized)
      })
  )

  it.effect(
    "a function that throws synchronously: the operation failed (UnknownError, or catch's error)",
    () =>
      Effect.gen(function* () {
        const thrown = new Error("invalid URL")
        const { exit, finalized } = yield* guarded(
          asyncio.Abort.fromPromise(() => {
            throw thrown
          })
        )
        const error = failureOf(exit)
        assert.instanceOf(error, Cause.UnknownError)
        assert.strictEqual((error as Cause.UnknownError).cause, thrown)
        assert.isTrue(finalized)
      })
  )

  it.effect("a thenable whose then throws: the operation failed, nothing crashes", () =>
    Effect.gen(function* () {
      const thenable = {
        // biome-ignore lint/suspicious/noThenProperty: a deliberately broken thenable is the input under test
        then: () => {
          throw new Error("broken thenable")
        }
      }
      const error = yield* Effect.flip(
        asyncio.Abort.fromPromise(() => thenable as unknown as Promise<number>, {
          catch: (e) => (e as Error).message
        })
      )
      assert.strictEqual(error, "broken thenable")
    })
  )

  it.effect("bad options are refused: an unknown key is named, waitOnAbort must be a boolean", () =>
    Effect.gen(function* () {
      const typo = defectOf(
        yield* Effect.exit(
          asyncio.Abort.fromPromise(() => Promise.resolve(1), {
            waitOnAbrot: false
          } as unknown as { readonly waitOnAbort: boolean })
        )
      )
      assert.instanceOf(typo, asyncio.TypeError)
      assert.include((typo as asyncio.TypeError).message, '"waitOnAbrot" (did you mean "waitOnAbort"?)')
      const notBoolean = defectOf(
        yield* Effect.exit(
          asyncio.Abort.fromPromise(() => Promise.resolve(1), {
            waitOnAbort: "no" as unknown as boolean
          })
        )
      )
      assert.instanceOf(notBoolean, asyncio.TypeError)
      assert.include((notBoolean as asyncio.TypeError).message, 'waitOnAbort must be a boolean, got "no"')
    })
  )
})

describe("Abort.signal: a signal for the current scope", () => {
  it.effect("aborted with a 'shutdown' reason when the scope closes normally", () =>
    Effect.gen(function* () {
      const signal = yield* Effect.scoped(asyncio.Abort.signal)
      const reason = reasonOfAborted(signal)
      assert.strictEqual(reason.reason.kind, "shutdown")
      assert.include(reason.reason.detail, "success")
    })
  )

  it.effect("aborted with the cancel reason when the task owning the scope is cancelled", () =>
    Effect.gen(function* () {
      let captured: AbortSignal | undefined
      const task = yield* asyncio.createTask(
        Effect.scoped(
          Effect.gen(function* () {
            captured = yield* asyncio.Abort.signal
            return yield* Effect.never
          })
        )
      )
      yield* settle
      assert.isFalse(captured?.aborted)
      yield* task.cancel("bye")
      yield* Fiber.await(task.fiber)
      assert.deepInclude(reasonOfAborted(captured).reason, { kind: "cancel", message: "bye" })
    })
  )
})

describe("Abort.withSignal: an external signal cancels an effect", () => {
  it.effect(
    "aborting cancels the effect (finalizers run) with kind 'cancel' and message = signal.reason",
    () =>
      Effect.gen(function* () {
        yield* primeTestClock
        const controller = new AbortController()
        const log: Array<string> = []
        const task = yield* asyncio.createTask(
          asyncio.Abort.withSignal(
            asyncio.sleep(10).pipe(Effect.onInterrupt(() => Effect.sync(() => log.push("cleanup")))),
            controller.signal
          ),
          { name: "job" }
        )
        yield* settle
        controller.abort("client went away")
        yield* Fiber.await(task.fiber)
        assert.deepStrictEqual(log, ["cleanup"])
        assert.strictEqual((yield* stateOf(task))._tag, "Cancelled")
        const error = yield* cancelledErrorOf(task)
        assert.deepInclude(error.reason, { kind: "cancel", message: "client went away" })
        assert.strictEqual(error.message, "client went away")
        assert.strictEqual(yield* task.cancelling(), 0, "not a task.cancel() request")
      })
  )

  it.effect(
    "the caller sees an interruption it can observe with Effect.exit, at the moment of the abort",
    () =>
      Effect.gen(function* () {
        yield* primeTestClock
        const controller = new AbortController()
        const fiber = yield* Effect.forkChild(
          Effect.exit(asyncio.Abort.withSignal(asyncio.sleep(10, "late"), controller.signal))
        )
        yield* TestClock.adjust("1 second")
        controller.abort(new Error("stop"))
        const exit = yield* Fiber.join(fiber)
        assert.isTrue(isInterrupted(exit))
        assert.strictEqual(yield* now, 1)
      })
  )

  it.effect("an already aborted signal: the effect never starts", () =>
    Effect.gen(function* () {
      let started = false
      const exit = yield* Effect.exit(
        asyncio.Abort.withSignal(
          Effect.sync(() => {
            started = true
          }),
          AbortSignal.abort("too late")
        )
      )
      assert.isFalse(started)
      assert.isTrue(isInterrupted(exit))
      const task = yield* asyncio.createTask(
        asyncio.Abort.withSignal(Effect.void, AbortSignal.abort("too late"))
      )
      yield* Fiber.await(task.fiber)
      assert.deepInclude((yield* cancelledErrorOf(task)).reason, { kind: "cancel", message: "too late" })
    })
  )

  it.effect("an abort that lands while the effect is being forked is not lost (issue 10)", () =>
    Effect.gen(function* () {
      // A tiny operation budget makes the fiber yield between forking the effect and adding its listener; another
      // fiber aborts the signal after k scheduler turns, so some k land in that window.
      const hung: Array<string> = []
      for (const budget of [3, 4, 5, 6, 7, 8]) {
        for (let k = 0; k < 12; k++) {
          const controller = new AbortController()
          const fiber = yield* Effect.forkChild(
            Effect.provideService(
              asyncio.Abort.withSignal(Effect.never, controller.signal),
              Scheduler.MaxOpsBeforeYield,
              budget
            )
          )
          yield* Effect.forkChild(
            Effect.andThen(
              Effect.repeat(Effect.yieldNow, { times: k }),
              Effect.sync(() => controller.abort("stop"))
            )
          )
          yield* Effect.repeat(Effect.yieldNow, { times: 200 })
          const exit = fiber.pollUnsafe()
          if (exit === undefined) {
            hung.push(`budget ${budget}, abort after ${k} turns`)
            yield* Fiber.interrupt(fiber)
          } else {
            assert.isTrue(isInterrupted(exit))
          }
        }
      }
      assert.deepStrictEqual(hung, [])
    })
  )

  it.effect("a signal that is never aborted changes nothing; the listener is removed at the end", () =>
    Effect.gen(function* () {
      const controller = new AbortController()
      const signal = controller.signal
      let listeners = 0
      const add = signal.addEventListener.bind(signal)
      const remove = signal.removeEventListener.bind(signal)
      signal.addEventListener = (...args: Parameters<AbortSignal["addEventListener"]>) => {
        listeners++
        add(...args)
      }
      signal.removeEventListener = (...args: Parameters<AbortSignal["removeEventListener"]>) => {
        listeners--
        remove(...args)
      }
      const { exit, elapsed } = yield* runVirtual(asyncio.Abort.withSignal(asyncio.sleep(2, "done"), signal))
      assert.deepStrictEqual(exit, Exit.succeed("done"))
      assert.strictEqual(elapsed, 2)
      assert.strictEqual(listeners, 0)
    })
  )

  it.effect("cancelling the caller cancels the effect too, with the caller's reason, and waits for it", () =>
    Effect.gen(function* () {
      yield* primeTestClock
      const op = fakeOperation()
      const task = yield* asyncio.createTask(
        asyncio.Abort.withSignal(asyncio.Abort.fromPromise(op.start), new AbortController().signal)
      )
      yield* settle
      yield* task.cancel("outer")
      yield* Fiber.await(task.fiber)
      assert.deepInclude(reasonOfAborted(op.state.signal).reason, { kind: "cancel", message: "outer" })
      assert.strictEqual((yield* stateOf(task))._tag, "Cancelled")
    })
  )

  it.effect("a cancellation keeps its root cause across a signal (Abort.signal → withSignal)", () =>
    Effect.gen(function* () {
      yield* primeTestClock
      const log: Array<asyncio.CancelReason> = []
      const parent = yield* asyncio.createTask(
        Effect.scoped(
          Effect.gen(function* () {
            const signal = yield* asyncio.Abort.signal
            const child = yield* asyncio.createTask(asyncio.Abort.withSignal(asyncio.sleep(10), signal))
            yield* child.addDoneCallback((t) =>
              Effect.map(cancelledErrorOf(t), (e) => {
                log.push(e.reason)
              })
            )
            return yield* Effect.never
          })
        )
      )
      yield* settle
      yield* parent.cancel("root cause")
      yield* Fiber.await(parent.fiber)
      yield* settle
      assert.strictEqual(log.length, 1)
      assert.deepInclude(log[0], { kind: "cancel", message: "root cause" })
      assert.include(log[0]?.detail, "via an AbortSignal")
    })
  )
})

describe("Abort.createTask: a task cancelled by a signal", () => {
  it.effect("aborting is task.cancel(signal.reason): counted, message kept", () =>
    Effect.gen(function* () {
      yield* primeTestClock
      const controller = new AbortController()
      const task = yield* asyncio.Abort.createTask(asyncio.sleep(60), {
        name: "job",
        signal: controller.signal
      })
      yield* settle
      assert.strictEqual(task.name, "job")
      controller.abort("user pressed stop")
      yield* Fiber.await(task.fiber)
      assert.strictEqual((yield* stateOf(task))._tag, "Cancelled")
      assert.strictEqual(yield* task.cancelling(), 1)
      const error = yield* cancelledErrorOf(task)
      assert.strictEqual(error.cancelMessage, "user pressed stop")
      assert.strictEqual(error.reason.kind, "cancel")
    })
  )

  it.effect("an already aborted signal: the body never runs", () =>
    Effect.gen(function* () {
      let ran = false
      const task = yield* asyncio.Abort.createTask(
        Effect.sync(() => {
          ran = true
        }),
        { signal: AbortSignal.abort("never mind") }
      )
      yield* Fiber.await(task.fiber)
      assert.isFalse(ran)
      assert.strictEqual((yield* cancelledErrorOf(task)).cancelMessage, "never mind")
    })
  )

  it.effect("a task that finishes first is not affected by a later abort", () =>
    Effect.gen(function* () {
      const controller = new AbortController()
      const task = yield* asyncio.Abort.createTask(Effect.succeed(1), { signal: controller.signal })
      assert.strictEqual(yield* task, 1)
      controller.abort()
      assert.strictEqual((yield* stateOf(task))._tag, "Result")
      const at = yield* now
      assert.strictEqual(at, 0)
    })
  )
})
