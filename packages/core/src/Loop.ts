/**
 * Loop scopes: the owner that asyncio's event loop is for tasks.
 *
 * In Python every task belongs to the running event loop, and `asyncio.run()` cancels the tasks still pending
 * when `main` returns, then waits for them. A *loop scope* is that owner as an Effect construct: tasks created
 * inside it (with `createTask`, `gather`, `asCompleted`, `shield`) are detached from the fiber that created them
 * — so, as in Python, they outlive the function that created them — and when the loop scope ends every task
 * still pending is cancelled (reason `shutdown`) and awaited, finalizers included. Nothing outlives its loop
 * scope.
 *
 * `run` (in `@effect-asyncio/node`) installs one around `main`. An Effect application installs its own with
 * {@link scoped} (around one effect) or {@link layer} (for everything the layer is provided to).
 *
 * @since 0.1.0
 */
import type * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Scheduler from "effect/Scheduler"
import { awaitTask, cancelAllAndAwait, markRetrieved } from "./internal/await.ts"
import { describeError } from "./internal/format.ts"
import * as hooks from "./internal/hooks.ts"
import { LoopScheduler } from "./internal/loopScheduler.ts"
import {
  callExceptionHandler,
  handlerOf,
  initLoop,
  runClosers,
  type SignalSource as SignalSourceImpl
} from "./internal/loopState.ts"
import { observeWait } from "./internal/observe.ts"
import { exceptionOf } from "./internal/outcome.ts"
import { CurrentLoop, LoopImpl, shutdownReason } from "./internal/owner.ts"
import { spawn } from "./internal/spawn.ts"
import type { TaskImpl } from "./internal/task.ts"
import * as validate from "./internal/validate.ts"

let loopCounter = 0

/**
 * Options of {@link scoped}.
 *
 * @category models
 * @since 0.1.0
 */
export interface LoopOptions {
  /** The loop scope's name, used in cancel reasons (`loop-<n>` by default). */
  readonly name?: string | undefined
  /** The name of the main task; defaults to `Task-<n>`. */
  readonly mainName?: string | undefined
  /**
   * Called for each leftover task that, once cancelled at shutdown, ended with an error instead of being
   * cancelled (Python reports these as "unhandled exception during asyncio.run() shutdown"). Defaults to
   * logging the error with `Effect.logError`. A reporter that throws, returns something other than an effect, or
   * whose effect fails does not change how the loop ends: the fault is logged once and the error goes to the
   * default report. While the loop has an exception handler installed (`loop.setExceptionHandler`), that handler
   * gets these errors instead ("unhandled exception during loop shutdown"), as asyncio's does.
   */
  readonly onShutdownError?: ((taskName: string, error: unknown) => Effect.Effect<void>) | undefined
  /**
   * Where the loop's `addSignalHandler` (`EventLoop.Loop`) gets process signals from. The core has no processes:
   * `run` (in `@effect-asyncio/node`) gives Node's; without a source, `addSignalHandler` is a `RuntimeError`. A loop
   * scope opened inside another one uses the outer one's.
   */
  readonly signals?: SignalSource | undefined
}

/**
 * How a runtime gives a loop scope process signals: `source(signal, listener)` starts calling `listener` on each
 * `signal` (`"SIGTERM"`) and returns the function that stops it. It throws a `ValueError` for a signal that does not
 * exist and a `RuntimeError` for one that cannot be caught (`SIGKILL`). `run` passes one built on `process.on`.
 *
 * @category models
 * @since 0.1.0
 */
export type SignalSource = SignalSourceImpl

const defaultShutdownError = (taskName: string, error: unknown): Effect.Effect<void> =>
  Effect.logError(`unhandled exception during loop shutdown in task ${taskName}`, error)

type ShutdownErrorReporter = (taskName: string, error: unknown) => Effect.Effect<void>

/**
 * `onShutdownError`, guarded: a reporter must not change how the loop ends. One that throws, returns something
 * other than an effect, or whose effect fails is reported once (`Effect.logError`), and the error it was given
 * goes to the default report — as does every later error it fails to report — so none is lost.
 */
const guardedReporter = (report: ShutdownErrorReporter | undefined, call: string): ShutdownErrorReporter => {
  if (report === undefined) return defaultShutdownError
  let faulted = false
  return (taskName, error) => {
    const fallback = (problem: string, cause?: Cause.Cause<unknown>): Effect.Effect<void> => {
      const fallen = defaultShutdownError(taskName, error)
      if (faulted) return fallen
      faulted = true
      const message = `${call}: onShutdownError ${problem}; the errors it does not report are logged instead`
      return Effect.andThen(
        cause === undefined ? Effect.logError(message) : Effect.logError(message, cause),
        fallen
      )
    }
    let reported: Effect.Effect<void>
    try {
      reported = report(taskName, error)
    } catch (thrown) {
      return fallback(`threw ${describeError(thrown)}`)
    }
    if (!Effect.isEffect(reported))
      return fallback(`returned ${validate.show(reported)} instead of an Effect`)
    return Effect.catchCause(reported, (cause) => fallback("failed", cause))
  }
}

/**
 * Cancels every task of `loop` that is still pending and waits for them, repeating until none is left (a
 * finalizer may create tasks); then marks the loop closed.
 */
const shutdown = (
  loop: LoopImpl,
  onShutdownError: LoopOptions["onShutdownError"],
  call: string
): Effect.Effect<void> =>
  Effect.withFiber((fiber) => {
    loop.state = "closing"
    const reporter = guardedReporter(onShutdownError, call)
    // An exception handler installed on the loop (`loop.setExceptionHandler`) gets them, as asyncio's does.
    const report = (task: TaskImpl<unknown, unknown>, error: unknown): Effect.Effect<void> =>
      handlerOf(loop) === undefined
        ? reporter(task.name, error)
        : Effect.sync(() =>
            callExceptionHandler(
              loop,
              { message: "unhandled exception during loop shutdown", exception: error, task },
              fiber.context
            )
          )
    let closed = false
    const round: Effect.Effect<void> = Effect.suspend(() => {
      const live = loop.live()
      if (live.length === 0) {
        if (closed) {
          loop.state = "closed"
          return Effect.void
        }
        // What the event-loop handle left (pending callbacks, signal handlers) goes now; it may start tasks.
        closed = true
        return Effect.andThen(runClosers(loop), round)
      }
      if (hooks.active()) hooks.emitShutdown(loop.name, live)
      const cancelled = observeWait(cancelAllAndAwait(live, undefined, shutdownReason(loop)), {
        _tag: "tasks",
        what: `${loop.name} shutdown`,
        count: live.length
      })
      return cancelled.pipe(
        Effect.andThen(
          Effect.forEach(
            live,
            (task) => {
              const error = exceptionOf(task.fiber.pollUnsafe()!)
              if (error === undefined) return Effect.void
              markRetrieved(task)
              return report(task, error)
            },
            { discard: true }
          )
        ),
        Effect.andThen(round)
      )
    })
    // asyncio.run stops the loop after the iteration in which main completes: what was ready by then (a task
    // created and not started, a task woken and not resumed) takes its step first, and leftovers are cancelled
    // inside their bodies. One scheduler turn is that iteration.
    return loop.live().length === 0 ? round : Effect.andThen(Effect.yieldNow, round)
  })

/**
 * Runs `main` as the main task of a new loop scope and returns its result. When `main` ends — however it ends —
 * every task created in the scope that is still pending is cancelled and awaited. Interrupting the fiber
 * running `scoped` cancels the main task (and awaits it) before the shutdown.
 *
 * **asyncio** The part of `asyncio.run(main())` that is not about the process: main runs as a task (so
 * `currentTask()` is defined), leftover tasks are cancelled and awaited at the end, errors raised by them while
 * being cancelled are reported, not raised. As `asyncio.run` stops the loop only after the iteration in which main
 * completes, the shutdown first lets one scheduler turn pass: a task that was ready (created and not started, or
 * woken) takes that step, and is then cancelled inside its body. Like asyncio's loop, the scope has one ready queue:
 * every fiber inside it shares one Effect dispatcher (Effect gives each fiber its own), so work scheduled in one step
 * runs on the next turn in the order it was scheduled.
 *
 * **Example** (Leftover tasks are cancelled)
 * ```ts
 * import * as asyncio from "@effect-asyncio/core"
 * import { Effect } from "effect"
 *
 * const main = Effect.gen(function*() {
 *   yield* asyncio.createTask(asyncio.sleep(10)) // never awaited
 *   return 123
 * })
 * // 123, and the sleeping task has been cancelled by the time it returns
 * const program = asyncio.Loop.scoped(main)
 * ```
 *
 * @category running
 * @since 0.1.0
 */
export function scoped<Arg extends Effect.Effect<unknown, unknown, unknown> | LoopOptions = LoopOptions>(
  mainOrOptions: Arg,
  options?: LoopOptions
): [Arg] extends [Effect.Effect<infer _A, infer _E, infer _R>]
  ? Effect.Effect<_A, _E, _R>
  : <A, E, R>(main: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
export function scoped(...args: ReadonlyArray<unknown>): unknown {
  return validate.selfOrOptions(args, (main, options) =>
    scopedImpl(main as Effect.Effect<unknown, unknown, unknown>, options as LoopOptions | undefined)
  )
}

const scopedImpl = <A, E, R>(
  main: Effect.Effect<A, E, R>,
  options: LoopOptions | undefined
): Effect.Effect<A, E, R> =>
  validate.atCall(() => {
    validate.effect("Loop.scoped", main)
    const checked = readOptions("Loop.scoped", options, scopedKeys)
    const mainName = validate.taskName("Loop.scoped", checked.mainName)
    return Effect.withFiber((fiber) => {
      const loop = new LoopImpl(checked.name ?? `loop-${++loopCounter}`)
      initLoop(loop, fiber.getRef(CurrentLoop), checked.signals)
      return spawn(main, { _tag: "Loop", loop }, { name: mainName }).pipe(
        // The loop waits for main (asyncio's run_until_complete), not a task: it hears of main's end in that step.
        Effect.flatMap((task) => awaitTask(task, 0)),
        Effect.ensuring(shutdown(loop, checked.onShutdownError, "Loop.scoped")),
        Effect.provideService(CurrentLoop, loop),
        Effect.provideService(Scheduler.Scheduler, new LoopScheduler(fiber.getRef(Scheduler.Scheduler)))
      )
    })
  })

const scopedKeys = ["name", "mainName", "onShutdownError", "signals"]
const layerKeys = ["name", "onShutdownError", "signals"]

/** Checks the options of {@link scoped} and {@link layer}. */
const readOptions = (call: string, options: LoopOptions | undefined, keys: ReadonlyArray<string>) => {
  const checked = validate.options(call, options, keys)
  return {
    name: validate.name(call, checked.name),
    mainName: checked.mainName,
    onShutdownError: validate.optionalFn(call, checked.onShutdownError, "onShutdownError"),
    signals: validate.optionalFn(call, checked.signals, "signals")
  }
}

/**
 * A layer that installs a loop scope for everything it is provided to: tasks created there belong to the loop
 * and are cancelled and awaited when the layer is released.
 *
 * @category layers
 * @since 0.1.0
 */
export const layer = (options?: Omit<LoopOptions, "mainName">) => {
  const checked = validate.atCall(() => Effect.succeed(readOptions("Loop.layer", options, layerKeys)))
  return Layer.effect(
    CurrentLoop,
    Effect.acquireRelease(
      Effect.flatMap(checked, (o) =>
        Effect.withFiber((fiber) => {
          const loop: LoopImpl | undefined = new LoopImpl(o.name ?? `loop-${++loopCounter}`)
          initLoop(loop, fiber.getRef(CurrentLoop), o.signals)
          return Effect.succeed(loop)
        })
      ),
      (loop) => (loop === undefined ? Effect.void : shutdown(loop, options?.onShutdownError, "Loop.layer"))
    )
  )
}
