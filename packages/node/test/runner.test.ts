/**
 * The logic of `run` (internal/runner.ts) on virtual time, with a fake signal source: outcomes, cancellation of
 * main and of leftover tasks, signals at every phase of a run, and the reasons the core reports.
 */

import { assert, describe, it } from "@effect/vitest"
import * as asyncio from "@effect-asyncio/core"
import { runVirtual, settle, virtualClock } from "@effect-asyncio/core/Testing"
import { time as now } from "@effect-asyncio/core/Timeout"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import { TestClock } from "effect/testing"
import { KeyboardInterrupt, type Signal } from "../src/Errors.ts"
import { exitCodeOf, type RunResult, runner, type SignalSource } from "../src/internal/runner.ts"

/** A hand-driven signal source; `listeners` tells whether run is still subscribed. */
const fakeSignals = () => {
  const listeners = new Set<(signal: Signal) => void>()
  const source: SignalSource = (listener) => {
    listeners.add(listener)
    return () => {
      listeners.delete(listener)
    }
  }
  const emit = (signal: Signal): Effect.Effect<void> =>
    Effect.sync(() => {
      for (const listener of Array.from(listeners)) listener(signal)
    })
  /** Emits `signal` at virtual time `seconds` (from a fiber of the test, outside the run). */
  const emitAt = (seconds: number, signal: Signal) =>
    Effect.forkChild(Effect.andThen(Effect.sleep(`${seconds * 1000} millis`), emit(signal)))
  return { source, emit, emitAt, listeners }
}

/**
 * A test on the core's virtual clock (`Testing.virtualClock`, asyncio's rule for same-instant timers): the fibers the
 * test forks outside the run (a signal emitted at a virtual second) sleep on the clock `runVirtual` drives.
 */
const itVirtual = <A, E>(name: string, body: () => Effect.Effect<A, E>) =>
  it.effect(name, () => Effect.provide(Effect.suspend(body), virtualClock))

/** The CancelledError the core reports for a finished task, or the task's other outcome as a string. */
const cancelledError = (task: asyncio.Task<unknown, unknown>) =>
  Effect.match(task.exception(), {
    onFailure: (error) => (error._tag === "CancelledError" ? error : error.message),
    onSuccess: (value) => `not cancelled: ${String(value)}`
  })

const expectTag = <A, E, T extends RunResult<A, E>["_tag"]>(
  result: RunResult<A, E>,
  tag: T
): Extract<RunResult<A, E>, { readonly _tag: T }> => {
  assert.strictEqual(result._tag, tag)
  return result as Extract<RunResult<A, E>, { readonly _tag: T }>
}

describe("runner: outcomes", () => {
  itVirtual("RUN-01 main returning 42 after a tick gives Success(42), exit code 0", () =>
    Effect.gen(function* () {
      const signals = fakeSignals()
      const { exit, elapsed } = yield* runVirtual(
        runner(asyncio.sleep(0, 42), { mainName: "main", signals: signals.source })
      )
      const result = expectTag(yield* exit, "Success")
      assert.strictEqual(result.value, 42)
      assert.strictEqual(result.mainName, "main")
      assert.strictEqual(exitCodeOf(result), 0)
      assert.strictEqual(elapsed, 0)
      assert.strictEqual(signals.listeners.size, 0, "the signal listener is removed")
    })
  )

  itVirtual("RUN-02 main raising ValueError('spam') gives Failure with that error, exit code 1", () =>
    Effect.gen(function* () {
      const signals = fakeSignals()
      const spam = new asyncio.ValueError("spam")
      const { exit } = yield* runVirtual(
        runner(Effect.andThen(asyncio.sleep(0.5), Effect.fail(spam)), { signals: signals.source })
      )
      const result = expectTag(yield* exit, "Failure")
      assert.strictEqual(result.error, spam)
      assert.isFalse(result.defect)
      assert.strictEqual(exitCodeOf(result), 1)
      assert.match(result.mainName, /^Task-\d+$/)
      assert.strictEqual(signals.listeners.size, 0)
    })
  )

  itVirtual("a defect in main gives Failure with the defect itself (defect: true)", () =>
    Effect.gen(function* () {
      const boom = new Error("boom")
      const { exit } = yield* runVirtual(runner(Effect.die(boom), { signals: fakeSignals().source }))
      const result = expectTag(yield* exit, "Failure")
      assert.strictEqual(result.error, boom)
      assert.isTrue(result.defect)
    })
  )

  itVirtual("main is a task: currentTask() is defined and carries mainName", () =>
    Effect.gen(function* () {
      const main = Effect.map(asyncio.currentTask, (task) => task?.name)
      const { exit } = yield* runVirtual(runner(main, { mainName: "entry", signals: fakeSignals().source }))
      assert.strictEqual(expectTag(yield* exit, "Success").value, "entry")
    })
  )

  itVirtual("main cancelled by code gives Cancelled with the core's CancelledError and its message", () =>
    Effect.gen(function* () {
      const main = Effect.gen(function* () {
        const me = (yield* asyncio.currentTask)!
        yield* me.cancel("stop")
        yield* asyncio.sleep(10)
      })
      const { exit, elapsed } = yield* runVirtual(
        runner(main, { mainName: "main", signals: fakeSignals().source })
      )
      const result = expectTag(yield* exit, "Cancelled")
      assert.instanceOf(result.error, asyncio.CancelledError)
      assert.strictEqual(result.error.cancelMessage, "stop")
      assert.strictEqual(result.error.reason.kind, "cancel")
      assert.strictEqual(exitCodeOf(result), 1)
      assert.strictEqual(elapsed, 0)
    })
  )
})

describe("runner: leftover tasks", () => {
  itVirtual(
    "RUN-05 a task still sleeping when main returns 123 is cancelled (reason shutdown) and awaited",
    () =>
      Effect.gen(function* () {
        const log: Array<string> = []
        let sleeper: asyncio.Task<void> | undefined
        const main = Effect.gen(function* () {
          sleeper = yield* asyncio.createTask(
            Effect.andThen(
              Effect.sync(() => log.push("sleeper started")),
              asyncio
                .sleep(0.1)
                .pipe(Effect.onInterrupt(() => Effect.sync(() => log.push("sleeper cleanup"))))
            ),
            { name: "sleeper" }
          )
          return 123
        })
        const { exit, elapsed } = yield* runVirtual(runner(main, { signals: fakeSignals().source }))
        assert.strictEqual(expectTag(yield* exit, "Success").value, 123)
        assert.strictEqual(elapsed, 0)
        // As asyncio.run: the task, ready when main completed, takes its first step in that loop iteration, and
        // the shutdown then cancels it inside its sleep (CPython 3.11: ['sleeper started', 'sleeper cleanup']).
        assert.deepStrictEqual(log, ["sleeper started", "sleeper cleanup"])
        assert.isTrue(yield* sleeper!.done())
        assert.isTrue(yield* sleeper!.cancelled())
        const error = yield* cancelledError(sleeper!)
        assert.instanceOf(error, asyncio.CancelledError)
        if (error instanceof asyncio.CancelledError) assert.strictEqual(error.reason.kind, "shutdown")
      })
  )

  itVirtual("a leftover task raising while being cancelled goes to onShutdownError, not to the result", () =>
    Effect.gen(function* () {
      const reported: Array<string> = []
      const main = Effect.gen(function* () {
        yield* asyncio.createTask(
          Effect.never.pipe(Effect.onInterrupt(() => Effect.fail(new asyncio.ValueError("cannot stop")))),
          { name: "noisy" }
        )
        yield* asyncio.sleep(0)
        return "ok"
      })
      const { exit } = yield* runVirtual(
        runner(main, {
          signals: fakeSignals().source,
          onShutdownError: (name, error) =>
            Effect.sync(() =>
              reported.push(`${name}: ${error instanceof Error ? error.message : String(error)}`)
            )
        })
      )
      assert.strictEqual(expectTag(yield* exit, "Success").value, "ok")
      assert.deepStrictEqual(reported, ["noisy: cannot stop"])
    })
  )

  itVirtual("leftover tasks are cancelled after a failing main too", () =>
    Effect.gen(function* () {
      let worker: asyncio.Task<never> | undefined
      const main = Effect.gen(function* () {
        worker = yield* asyncio.createTask(Effect.never)
        yield* asyncio.sleep(1)
        return yield* Effect.fail("bad")
      })
      const { exit } = yield* runVirtual(runner(main, { signals: fakeSignals().source }))
      assert.strictEqual(expectTag(yield* exit, "Failure").error, "bad")
      assert.isTrue(yield* worker!.cancelled())
    })
  )
})

describe("runner: signals", () => {
  itVirtual(
    "RUN-07 SIGINT while main awaits a future: main is cancelled (reason signal), the awaited task too",
    () =>
      Effect.gen(function* () {
        const signals = fakeSignals()
        const log: Array<string> = []
        let future: asyncio.Task<void> | undefined
        const main = Effect.gen(function* () {
          const deferred = yield* Deferred.make<void>()
          future = yield* asyncio.createTask(Deferred.await(deferred), { name: "future" })
          yield* future
        }).pipe(
          Effect.onInterrupt(() =>
            Effect.andThen(now, (t) => Effect.sync(() => log.push(`cancelled at ${t}`)))
          )
        )
        yield* signals.emitAt(1, "SIGINT")
        const { exit, elapsed } = yield* runVirtual(
          runner(main, { mainName: "main", signals: signals.source })
        )
        const result = expectTag(yield* exit, "Interrupted")
        assert.instanceOf(result.error, KeyboardInterrupt)
        assert.strictEqual(result.error.signal, "SIGINT")
        assert.isFalse(result.error.forced)
        assert.strictEqual(result.after, undefined)
        assert.strictEqual(exitCodeOf(result), 130)
        assert.strictEqual(elapsed, 1)
        assert.deepStrictEqual(log, ["cancelled at 1"])
        assert.isTrue(yield* future!.cancelled(), "the awaited future is cancelled")
        assert.strictEqual(signals.listeners.size, 0)
      })
  )

  itVirtual("the signal reason reaches the core's CancelledError (kind signal, naming the signal)", () =>
    Effect.gen(function* () {
      const signals = fakeSignals()
      let mainTask: asyncio.Task<unknown, unknown> | undefined
      const main = Effect.andThen(
        Effect.map(asyncio.currentTask, (task) => {
          mainTask = task
        }),
        Effect.never
      )
      yield* signals.emitAt(2, "SIGTERM")
      const { exit } = yield* runVirtual(runner(main, { signals: signals.source }))
      const result = expectTag(yield* exit, "Interrupted")
      assert.strictEqual(result.error.signal, "SIGTERM")
      assert.strictEqual(exitCodeOf(result), 143)
      const error = yield* cancelledError(mainTask!)
      assert.instanceOf(error, asyncio.CancelledError)
      if (error instanceof asyncio.CancelledError) {
        assert.deepStrictEqual(error.reason, { kind: "signal", detail: "run() received SIGTERM" })
        assert.strictEqual(error.message, "run() received SIGTERM")
        assert.isUndefined(error.cancelMessage)
      }
    })
  )

  itVirtual("RUN-07 SIGINT while main loops on sleep(0): main is cancelled at its next yield", () =>
    Effect.gen(function* () {
      const signals = fakeSignals()
      let iterations = 0
      const main = Effect.forever(
        Effect.andThen(
          Effect.sync(() => iterations++),
          asyncio.sleep(0)
        )
      )
      // The signal arrives between two iterations, from outside the run (as a signal handler would).
      yield* Effect.forkChild(
        Effect.andThen(Effect.repeat(Effect.yieldNow, { times: 20 }), signals.emit("SIGINT"))
      )
      const { exit, elapsed } = yield* runVirtual(runner(main, { signals: signals.source }))
      const result = expectTag(yield* exit, "Interrupted")
      assert.strictEqual(result.error.signal, "SIGINT")
      assert.strictEqual(elapsed, 0)
      assert.isAbove(iterations, 0)
    })
  )

  itVirtual(
    "RUN-07 main cancelled by code before the interrupt: the result stays CancelledError, exit code 1",
    () =>
      Effect.gen(function* () {
        const signals = fakeSignals()
        const log: Array<string> = []
        const main = Effect.gen(function* () {
          const me = (yield* asyncio.currentTask)!
          yield* me.cancel("by code")
          yield* asyncio.sleep(10)
        }).pipe(
          // A slow clean-up: the signal arrives at t = 1 while main is already being cancelled.
          Effect.onInterrupt(() =>
            Effect.andThen(
              asyncio.sleep(2),
              Effect.sync(() => log.push("cleanup done"))
            )
          )
        )
        yield* signals.emitAt(1, "SIGINT")
        const { exit, elapsed } = yield* runVirtual(runner(main, { signals: signals.source }))
        const result = expectTag(yield* exit, "Cancelled")
        assert.strictEqual(result.error.cancelMessage, "by code")
        assert.strictEqual(result.error.reason.kind, "cancel")
        assert.strictEqual(exitCodeOf(result), 1)
        assert.strictEqual(elapsed, 2)
        assert.deepStrictEqual(log, ["cleanup done"])
      })
  )

  itVirtual(
    "a signal cancels main, finalizers run, then leftover tasks are cancelled (reason shutdown)",
    () =>
      Effect.gen(function* () {
        const signals = fakeSignals()
        const log: Array<string> = []
        const record = (line: string) =>
          Effect.andThen(now, (t) => Effect.sync(() => log.push(`${line} ${t}`)))
        let worker: asyncio.Task<never> | undefined
        const main = Effect.gen(function* () {
          worker = yield* asyncio.createTask(
            Effect.never.pipe(
              Effect.onInterrupt(() => Effect.andThen(asyncio.sleep(1), record("worker cleanup")))
            )
          )
          return yield* Effect.never
        }).pipe(Effect.onInterrupt(() => Effect.andThen(asyncio.sleep(0.5), record("main cleanup"))))
        yield* signals.emitAt(3, "SIGINT")
        const { exit, elapsed } = yield* runVirtual(runner(main, { signals: signals.source }))
        expectTag(yield* exit, "Interrupted")
        assert.deepStrictEqual(log, ["main cleanup 3.5", "worker cleanup 4.5"])
        assert.strictEqual(elapsed, 4.5)
        const error = yield* cancelledError(worker!)
        assert.instanceOf(error, asyncio.CancelledError)
        if (error instanceof asyncio.CancelledError) assert.strictEqual(error.reason.kind, "shutdown")
      })
  )

  itVirtual(
    "a second signal during shutdown returns at once (forced); the clean-up carries on detached",
    () =>
      Effect.gen(function* () {
        const signals = fakeSignals()
        const log: Array<string> = []
        const main = Effect.never.pipe(
          Effect.onInterrupt(() =>
            Effect.andThen(
              asyncio.sleep(60),
              Effect.sync(() => log.push("cleanup done"))
            )
          )
        )
        yield* signals.emitAt(1, "SIGTERM")
        yield* signals.emitAt(2, "SIGINT")
        const fiber = yield* Effect.forkChild(runner(main, { mainName: "main", signals: signals.source }))
        yield* settle
        yield* TestClock.adjust("2 seconds")
        const result = expectTag(yield* Fiber.join(fiber), "Interrupted")
        assert.strictEqual(result.error.signal, "SIGINT", "the second signal decides the exit code")
        assert.isTrue(result.error.forced)
        assert.strictEqual(exitCodeOf(result), 130)
        assert.deepStrictEqual(log, [])
        assert.strictEqual(signals.listeners.size, 0)
        yield* TestClock.adjust("60 seconds")
        assert.deepStrictEqual(log, ["cleanup done"])
      })
  )

  itVirtual("a signal before main's first step cancels main before it runs", () =>
    Effect.gen(function* () {
      let started = false
      // A source with a signal already pending: it reaches the listener as soon as run subscribes.
      const pending: SignalSource = (listener) => {
        listener("SIGINT")
        return () => {}
      }
      const main = Effect.sync(() => {
        started = true
      })
      const { exit } = yield* runVirtual(runner(main, { signals: pending }))
      const result = expectTag(yield* exit, "Interrupted")
      assert.strictEqual(result.error.signal, "SIGINT")
      assert.isFalse(started)
    })
  )

  itVirtual(
    "a signal after main returned lets the shutdown finish and gives Interrupted (after: Success)",
    () =>
      Effect.gen(function* () {
        const signals = fakeSignals()
        const log: Array<string> = []
        const main = Effect.gen(function* () {
          yield* asyncio.createTask(
            Effect.never.pipe(
              Effect.onInterrupt(() =>
                Effect.andThen(
                  asyncio.sleep(5),
                  Effect.sync(() => log.push("leftover done"))
                )
              )
            )
          )
          yield* asyncio.sleep(0)
          return 7
        })
        yield* signals.emitAt(1, "SIGINT")
        const { exit, elapsed } = yield* runVirtual(
          runner(main, { mainName: "main", signals: signals.source })
        )
        const result = expectTag(yield* exit, "Interrupted")
        assert.isFalse(result.error.forced)
        assert.deepStrictEqual(result.after, { _tag: "Success", value: 7, mainName: "main" })
        assert.strictEqual(exitCodeOf(result), 130)
        assert.strictEqual(elapsed, 5)
        assert.deepStrictEqual(log, ["leftover done"])
      })
  )

  itVirtual("main raising while being cancelled by the signal gives Failure (exit code 1)", () =>
    Effect.gen(function* () {
      const signals = fakeSignals()
      const main = Effect.never.pipe(
        Effect.onInterrupt(() => Effect.fail(new asyncio.ValueError("in cleanup")))
      )
      yield* signals.emitAt(1, "SIGINT")
      const { exit } = yield* runVirtual(runner(main, { signals: signals.source }))
      const result = expectTag(yield* exit, "Failure")
      assert.instanceOf(result.error, asyncio.ValueError)
      assert.strictEqual(exitCodeOf(result), 1)
    })
  )

  itVirtual(
    "a main that finishes an uninterruptible region after the signal still ends cancelled (value lost)",
    () =>
      Effect.gen(function* () {
        // Python: a main that swallows the CancelledError and returns makes run() return the value. Effect
        // interruption cannot be swallowed: the task is interrupted as soon as the region ends.
        const signals = fakeSignals()
        let finished = false
        const main = Effect.uninterruptible(
          Effect.andThen(
            asyncio.sleep(2),
            Effect.sync(() => {
              finished = true
              return "finished"
            })
          )
        )
        yield* signals.emitAt(1, "SIGINT")
        const { exit, elapsed } = yield* runVirtual(runner(main, { signals: signals.source }))
        const result = expectTag(yield* exit, "Interrupted")
        assert.strictEqual(result.error.signal, "SIGINT")
        assert.isTrue(finished)
        assert.strictEqual(elapsed, 2)
      })
  )
})

describe("runner: interruption of the runner itself", () => {
  itVirtual("cancels main and leftover tasks and waits for their finalizers", () =>
    Effect.gen(function* () {
      const signals = fakeSignals()
      const log: Array<string> = []
      const main = Effect.gen(function* () {
        yield* asyncio.createTask(
          Effect.never.pipe(Effect.onInterrupt(() => Effect.sync(() => log.push("worker"))))
        )
        return yield* Effect.never
      }).pipe(
        Effect.onInterrupt(() =>
          Effect.andThen(
            asyncio.sleep(1),
            Effect.sync(() => log.push("main"))
          )
        )
      )
      const fiber = yield* Effect.forkChild(runner(main, { signals: signals.source }))
      yield* settle
      const interrupted = yield* Effect.forkChild(Fiber.interrupt(fiber))
      yield* settle
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(interrupted)
      assert.deepStrictEqual(log, ["main", "worker"])
      assert.strictEqual(signals.listeners.size, 0)
    })
  )
})

/**
 * A hand-driven process for run's own signals and the loop's `addSignalHandler`: `emit` delivers a signal to every
 * listener subscribed to it, as Node does.
 */
const fakeProcess = () => {
  const defaults = new Map<Signal, Set<() => void>>()
  const user = new Map<string, Set<() => void>>()
  const source: SignalSource = (listener, signals) => {
    const added = signals.map((signal) => {
      const onSignal = (): void => listener(signal)
      const set = defaults.get(signal) ?? new Set()
      set.add(onSignal)
      defaults.set(signal, set)
      return [set, onSignal] as const
    })
    return () => {
      for (const [set, onSignal] of added) set.delete(onSignal)
    }
  }
  const userSignals = (signal: string, listener: () => void): (() => void) => {
    const set = user.get(signal) ?? new Set()
    set.add(listener)
    user.set(signal, set)
    return () => {
      set.delete(listener)
    }
  }
  const emit = (signal: Signal) =>
    Effect.sync(() => {
      for (const listener of [...(defaults.get(signal) ?? []), ...(user.get(signal) ?? [])]) listener()
    })
  const count = (map: Map<string, Set<() => void>>) =>
    Object.fromEntries([...map].filter(([, set]) => set.size > 0).map(([signal, set]) => [signal, set.size]))
  return { source, userSignals, emit, defaults: () => count(defaults), user: () => count(user) }
}

describe("runner: the program's own signal handlers", () => {
  itVirtual(
    "SIG-06 a handler for SIGINT replaces run's default while installed: main goes on; removed, SIGINT cancels main (130)",
    () =>
      Effect.gen(function* () {
        const signals = fakeProcess()
        const log: Array<string> = []
        const main = Effect.gen(function* () {
          const loop = yield* asyncio.getRunningLoop()
          loop.addSignalHandler("SIGINT", () => log.push(`handler at ${loop.time()}`))
          yield* asyncio.sleep(2)
          log.push(`main still running at ${loop.time()}; removed: ${loop.removeSignalHandler("SIGINT")}`)
          yield* asyncio.sleep(10)
          log.push("not reached")
        })
        yield* Effect.forkChild(Effect.andThen(Effect.sleep("1 second"), signals.emit("SIGINT")))
        yield* Effect.forkChild(Effect.andThen(Effect.sleep("3 seconds"), signals.emit("SIGINT")))
        const { exit, elapsed } = yield* runVirtual(
          runner(main, { signals: signals.source, userSignals: signals.userSignals })
        )
        const result = expectTag(yield* exit, "Interrupted")
        assert.strictEqual(exitCodeOf(result), 130)
        assert.strictEqual(elapsed, 3)
        assert.deepStrictEqual(log, ["handler at 1", "main still running at 2; removed: true"])
        assert.deepStrictEqual([signals.defaults(), signals.user()], [{}, {}], "every listener removed")
      })
  )

  itVirtual(
    "SIG-07 graceful shutdown: a SIGTERM handler cancels the workers and stops runForever; main returns, the run succeeds",
    () =>
      Effect.gen(function* () {
        const signals = fakeProcess()
        const log: Array<string> = []
        const main = Effect.gen(function* () {
          const loop = yield* asyncio.getRunningLoop()
          const shutdown = (signal: string) =>
            Effect.gen(function* () {
              const me = yield* asyncio.currentTask
              const tasks = [...(yield* asyncio.allTasks)].filter((t) => t !== me)
              log.push(`${signal}: cancelling ${tasks.length}`)
              for (const task of tasks) yield* task.cancel()
              yield* asyncio.gather(...tasks, { returnExceptions: true })
              loop.stop()
            })
          loop.addSignalHandler("SIGTERM", () => loop.createTask(shutdown("SIGTERM")))
          for (const name of ["w1", "w2"]) {
            loop.createTask(
              Effect.onInterrupt(Effect.forever(asyncio.sleep(1)), () =>
                Effect.sync(() => log.push(`${name} cancelled`))
              ),
              { name }
            )
          }
          yield* loop.runForever()
          log.push(`main returns at ${loop.time()}`)
          return "clean"
        })
        yield* Effect.forkChild(Effect.andThen(Effect.sleep("2500 millis"), signals.emit("SIGTERM")))
        const { exit } = yield* runVirtual(
          runner(main, { signals: signals.source, userSignals: signals.userSignals })
        )
        const result = expectTag(yield* exit, "Success")
        assert.strictEqual(result.value, "clean")
        assert.strictEqual(exitCodeOf(result), 0)
        assert.deepStrictEqual(log, [
          "SIGTERM: cancelling 2",
          "w1 cancelled",
          "w2 cancelled",
          "main returns at 2.5"
        ])
      })
  )

  itVirtual('defaultSignals chooses what run handles itself: ["SIGINT"] leaves SIGTERM alone, [] both', () =>
    Effect.gen(function* () {
      for (const [chosen, expected] of [
        [["SIGINT"], { SIGINT: 1 }],
        [[], {}]
      ] as const) {
        const signals = fakeProcess()
        let subscribed: Record<string, number> = {}
        const main = Effect.sync(() => {
          subscribed = signals.defaults()
        })
        const { exit } = yield* runVirtual(runner(main, { signals: signals.source, defaultSignals: chosen }))
        expectTag(yield* exit, "Success")
        assert.deepStrictEqual(subscribed, expected)
      }
    })
  )
})
