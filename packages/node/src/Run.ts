/**
 * `run`: asyncio's `asyncio.run(main())` for Node — the entry point of a program.
 *
 * ```ts
 * import * as asyncio from "@effect-asyncio/core"
 * import { run } from "@effect-asyncio/node"
 * import { Effect } from "effect"
 *
 * run(Effect.gen(function*() {
 *   yield* asyncio.sleep(1)
 *   console.log("hello")
 * }))
 * ```
 *
 * @since 0.1.0
 */

import { RuntimeError, TypeError } from "@effect-asyncio/core/Errors"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import type { KeyboardInterrupt, Signal } from "./Errors.ts"
import type { Observability, ObservabilityOptions } from "./internal/observability.ts"
import { makeConfig } from "./internal/poolConfig.ts"
import { processSignals, userSignals } from "./internal/processSignals.ts"
import { describeError, formatReport, formatShutdownError } from "./internal/report.ts"
import { exitCodeOf, type RunResult, runner } from "./internal/runner.ts"
import { checkRunOptions, wantsObservability } from "./internal/runOptions.ts"
import { RunPool, type RunPoolSlot } from "./internal/runPool.ts"
import type { ThreadPoolOptions } from "./ThreadPool.ts"

/**
 * Options of {@link run}.
 *
 * @category models
 * @since 0.1.0
 */
export interface RunOptions extends ObservabilityOptions {
  /**
   * The name of the main task; defaults to `Task-<n>` like every task. It appears in `currentTask()` and in
   * the failure report.
   *
   * **asyncio** Python names the main task `Task-1` (the first task of the process) and offers no option;
   * `Runner.run(coro, name=…)` (3.14) does.
   */
  readonly mainName?: string | undefined
  /**
   * Called for each task left over when main ended that, once cancelled at shutdown, ended with an error instead
   * of being cancelled. Defaults to writing `run: unhandled exception during shutdown in task '<name>': …` (with
   * the stack) to stderr. The error is a `Defect` for a defect. A callback that throws, returns something other
   * than an effect, or whose effect fails is reported once on stderr and the error gets the default line: no
   * shutdown error is lost, and the run's result and exit code are unchanged. While the program has an exception
   * handler installed (`loop.setExceptionHandler`), that handler gets them instead, as asyncio's does.
   *
   * **asyncio** `asyncio.run()` passes these to the loop's exception handler with the message "unhandled
   * exception during asyncio.run() shutdown", which logs them to stderr; they are not raised.
   */
  readonly onShutdownError?: ((taskName: string, error: unknown) => Effect.Effect<void>) | undefined
  /**
   * Whether `run` owns the process (default `true`): it is the program's entry point, as `asyncio.run` is.
   *
   * - `true`: a run that does not succeed writes a report to stderr and sets `process.exitCode = 1`; a run ended
   *   by a signal ends the process with `process.exit(130)` (SIGINT) or `process.exit(143)` (SIGTERM) once
   *   every finalizer has run — at once on a second signal. The returned promise's rejection is marked as
   *   handled, so Node adds no "unhandled rejection" noise.
   * - `false`: `run` only settles its promise; it prints no report, leaves the exit code alone and never calls
   *   `process.exit`. Signals are still handled (main is cancelled and the promise rejects with
   *   `KeyboardInterrupt`), which suits tests and programs that run several `run`s in sequence.
   *
   * **asyncio** Python's `run` raises; the interpreter prints the traceback and exits with 1 (or dies by
   * SIGINT after `KeyboardInterrupt`) when nothing catches it. `exit: true` is that behaviour for a program
   * whose last statement is `run(main)`; `exit: false` is "I catch what `run` raises".
   */
  readonly exit?: boolean | undefined
  /**
   * The thread pool of `toThread` calls made during the run (size, `onCancel`, `shutdownTimeout`). It starts no
   * thread before the first call, and is shut down when the run ends — after the loop's shutdown, so calls of
   * cancelled tasks have already been terminated (or, with `onCancel: "finish"`, are waited for, up to
   * `shutdownTimeout`).
   *
   * **asyncio** `asyncio.run` shuts the default executor down last, waiting for running `to_thread` work.
   */
  readonly threads?: ThreadPoolOptions | undefined
  /**
   * The signals `run` handles itself — cancel main, then exit with 130 (SIGINT) or 143 (SIGTERM) — default both. Pass
   * `["SIGINT"]` to leave SIGTERM to Node (the process dies) or to `process.on`, `[]` for none. Whatever this says,
   * a handler installed with `loop.addSignalHandler(signal, …)` replaces `run`'s handling of that signal while it
   * is installed.
   *
   * **asyncio** `asyncio.run` handles SIGINT only (with `KeyboardInterrupt`) and has no option; a program changes it
   * with `loop.add_signal_handler`.
   */
  readonly signals?: ReadonlyArray<Signal> | undefined
}

/** Whether a `run` is in progress in this thread (asyncio: "a loop is running"). */
let running = false

const noop = (): void => {}

const writeShutdownError = (taskName: string, error: unknown): Effect.Effect<void> =>
  Effect.sync(() => {
    process.stderr.write(formatShutdownError(taskName, error))
  })

type ShutdownErrorReporter = NonNullable<RunOptions["onShutdownError"]>

/**
 * The `onShutdownError` option, guarded: a reporter that throws, returns something other than an effect, or whose
 * effect fails is reported once on stderr, and the error it was given — like every later one it fails to report —
 * gets the default line, so no shutdown error is lost and the run's outcome is unchanged.
 */
const guardedShutdownError = (report: ShutdownErrorReporter | undefined): ShutdownErrorReporter => {
  if (report === undefined) return writeShutdownError
  let faulted = false
  return (taskName, error) => {
    const fallback = (problem: () => string): Effect.Effect<void> =>
      Effect.andThen(
        Effect.sync(() => {
          if (faulted) return
          faulted = true
          process.stderr.write(
            `run: onShutdownError ${problem()}; the errors it does not report are written here instead\n`
          )
        }),
        writeShutdownError(taskName, error)
      )
    let reported: Effect.Effect<void>
    try {
      reported = report(taskName, error)
    } catch (thrown) {
      return fallback(() => `threw ${describeError(thrown)}`)
    }
    if (!Effect.isEffect(reported)) {
      return fallback(() => `returned ${describeError(reported)} instead of an Effect`)
    }
    return Effect.catchCause(reported, (cause) =>
      fallback(() => `failed: ${describeError(Cause.squash(cause))}`)
    )
  }
}

/**
 * Runs `main` as the main task of a new loop scope on Node and resolves with its result; the program's entry
 * point. asyncio's `asyncio.run(main())`.
 *
 * **When to use** Once, at the top of a program: `run(main)` as the last statement of the entry module. Inside
 * an Effect application, use `Loop.scoped` / `Loop.layer` from `@effect-asyncio/core` instead.
 *
 * **Details**
 *
 * - `main` runs as a task (`currentTask()` is defined in it) of a fresh loop scope: tasks it creates outlive
 *   the code that created them, and when main ends — however it ends — every task still pending is cancelled
 *   (reason `shutdown`) and awaited, finalizers included, before the promise settles.
 * - The process stays alive while the run is in progress, even if every fiber waits on something that holds no
 *   Node handle (a `Deferred`, a `Queue`, `Effect.never`).
 * - The promise resolves with main's value. Otherwise it rejects with main's typed error (the first one), or
 *   its defect, or a `CancelledError` (from `@effect-asyncio/core`, with the `reason`) if main was cancelled by
 *   code, or a {@link KeyboardInterrupt} if a signal ended the run. With `exit: true` (the default) a report
 *   naming the main task, the error and its cause goes to stderr and the exit code is set to 1.
 * - **SIGINT / SIGTERM**: the first one cancels main with a `CancelReason` of kind `signal` ("run() received
 *   SIGINT"), every finalizer runs, then the process exits with 130 / 143. A second signal while shutting
 *   down exits at once with the code of that signal. The listeners are removed when `run` settles. The `signals`
 *   option chooses which of the two `run` handles; a handler the program installs with
 *   `(yield* getRunningLoop()).addSignalHandler(signal, callback)` replaces `run`'s for that signal while it is
 *   installed — the way to shut down gracefully (see examples/src/61-graceful-shutdown.ts).
 * - Calling `run` from inside a running fiber, or while another `run` is in progress, rejects with a
 *   `RuntimeError("run() cannot be called from a running event loop")`; a non-Effect `main` rejects with a
 *   `TypeError`. These are bugs, not outcomes: the rejection is neither reported nor pre-handled, so unless it is
 *   caught Node prints it and exits with 1 (as Python's uncaught `RuntimeError` would).
 *
 * **asyncio** Same shape: main is a task, leftover tasks are cancelled and awaited, errors they raise while
 * being cancelled are logged (see `onShutdownError`), main's exception propagates, and the first Ctrl-C
 * cancels main (`KeyboardInterrupt` if main ends cancelled; `CancelledError` if main had been cancelled by
 * code first), the second raises `KeyboardInterrupt` at once. Differences: SIGTERM is handled like SIGINT
 * (Python has no handler); a signal that arrives after main ended lets the shutdown finish (Python's default
 * handler is back by then and interrupts it), a second signal still exits at once; the process exits with code
 * 130/143 instead of dying by the signal.
 *
 * **Gotchas** `await run(main)` at the top level of an ES module makes a failure reject the module's evaluation
 * too, and Node prints the error a second time; write `run(main)` as a statement, or pass `exit: false` and
 * handle the rejection.
 *
 * **Example** (A server that shuts down cleanly on Ctrl-C)
 * ```ts
 * import * as asyncio from "@effect-asyncio/core"
 * import { run } from "@effect-asyncio/node"
 * import { Effect } from "effect"
 *
 * const main = Effect.gen(function*() {
 *   yield* asyncio.createTask(Effect.forever(asyncio.sleep(1)), { name: "heartbeat" })
 *   yield* Effect.addFinalizer(() => Effect.log("closing connections")) // runs on Ctrl-C
 *   yield* Effect.never
 * }).pipe(Effect.scoped)
 *
 * run(main) // Ctrl-C: "closing connections", heartbeat cancelled, exit code 130
 * ```
 *
 * @category running
 * @since 0.1.0
 */
export const run = <A, E>(main: Effect.Effect<A, E>, options?: RunOptions): Promise<A> => {
  if (Fiber.getCurrent() !== undefined || running) {
    return Promise.reject(new RuntimeError("run() cannot be called from a running event loop"))
  }
  if (!Effect.isEffect(main)) {
    return Promise.reject(new TypeError(`run(): an Effect was expected, got ${typeof main}`))
  }
  let threads: RunPoolSlot
  try {
    checkRunOptions(options)
    threads = {
      config: makeConfig({ name: "ThreadPool-run", ...options?.threads }, "run (threads)"),
      pool: undefined
    }
  } catch (error) {
    return Promise.reject(error)
  }
  running = true
  // Effect 4 has no keep-alive of its own: without a handle, Node exits while fibers wait on a Deferred.
  const keepAlive = setInterval(noop, 2 ** 31 - 1)
  // The observability code (debug mode, registry, tracing, timelines) is loaded only for a run that asks for it.
  const promise = wantsObservability(options)
    ? import("./internal/observability.ts").then(
        ({ makeObservability }) => start(main, options, threads, keepAlive, makeObservability(options)),
        (error: unknown) => {
          clearInterval(keepAlive)
          running = false
          throw error
        }
      )
    : start(main, options, threads, keepAlive, unobserved)
  if (options?.exit ?? true) promise.catch(noop)
  return promise
}

const unobserved: Observability = { wrap: (loop) => loop, start: noop, stop: noop }

const start = <A, E>(
  main: Effect.Effect<A, E>,
  options: RunOptions | undefined,
  threads: RunPoolSlot,
  keepAlive: ReturnType<typeof setInterval>,
  observability: Observability
): Promise<A> => {
  const ownsProcess = options?.exit ?? true
  observability.start()
  return new Promise<A>((resolve, reject) => {
    const fiber = Effect.runFork(
      runner(main, {
        mainName: options?.mainName,
        onShutdownError: guardedShutdownError(options?.onShutdownError),
        signals: processSignals,
        defaultSignals: options?.signals,
        userSignals,
        wrapLoop: observability.wrap,
        // The run's thread pool, if a `toThread` created it: shut down after the loop scope (and with it every task)
        // has ended. A pool that never started a thread closes synchronously.
        afterLoop: Effect.suspend(() => {
          const pool = threads.pool
          if (pool === undefined) return Effect.void
          return pool.statistics().threads === 0
            ? Effect.sync(() => void pool.close())
            : Effect.promise(() => pool.close())
        })
      }).pipe(Effect.provideService(RunPool, threads))
    )
    const settle = (exit: Exit.Exit<RunResult<A, E>>): void => {
      if (exit._tag === "Failure") {
        // The runner never fails; if it did, it is a bug in this package: surface it unchanged.
        reject(Cause.squash(exit.cause))
        return
      }
      const result = exit.value
      if (result._tag === "Success") {
        resolve(result.value)
        return
      }
      if (ownsProcess) {
        process.exitCode = exitCodeOf(result)
        try {
          const report = formatReport(result)
          if (report !== undefined) process.stderr.write(report)
        } finally {
          if (result._tag === "Interrupted") process.exit(exitCodeOf(result))
        }
      }
      reject(result.error)
    }
    fiber.addObserver((exit) => {
      clearInterval(keepAlive)
      running = false
      // Whatever the diagnostics do when they end (report, write, call back), the promise settles.
      try {
        observability.stop()
      } catch (error) {
        process.stderr.write(`run: the diagnostics failed when the run ended: ${describeError(error)}\n`)
      }
      settle(exit)
    })
  })
}
