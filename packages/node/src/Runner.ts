/**
 * `Runner`: asyncio's `asyncio.Runner` for Node — one loop scope kept open across several `run` calls, for programs
 * (and tests) written around a long-lived loop: `run` twice on the same loop, drive it from outside with
 * `getLoop()`, `runForever` / `runUntilComplete` in the old style.
 *
 * ```ts
 * import * as Runner from "@effect-asyncio/node/Runner"
 * import { Effect } from "effect"
 *
 * const runner = Runner.make()
 * const first = await runner.run(Effect.succeed(1))
 * const second = await runner.run(Effect.succeed(2)) // same loop: tasks created by the first run are still there
 * await runner.close() // cancels what is left, as asyncio.run's shutdown does
 * ```
 *
 * A module of its own, not part of `@effect-asyncio/node`'s main import (it loads the loop handle, `EventLoop`).
 *
 * For a program's entry point, `run(main)` is simpler: it owns the process (report, exit code). A `Runner` owns
 * nothing but its loop: `run` settles its promise and never touches the exit code.
 *
 * @since 0.1.0
 */
import { CancelledError, RuntimeError, TypeError } from "@effect-asyncio/core/Errors"
import { getRunningLoop, type Loop } from "@effect-asyncio/core/EventLoop"
import { isFuture } from "@effect-asyncio/core/Future"
import * as CoreLoop from "@effect-asyncio/core/Loop"
import { cancelUnsafe, isTask, type Task } from "@effect-asyncio/core/Task"
import * as Validate from "@effect-asyncio/core/Validate"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"
import { KeyboardInterrupt, type Signal } from "./Errors.ts"
import { signalReason } from "./internal/cancel.ts"
import {
  defaultSignals,
  overridingPort,
  processSignals,
  type SignalSource,
  userSignals
} from "./internal/processSignals.ts"
import { checkSignals } from "./internal/runOptions.ts"

/**
 * Options of {@link make}.
 *
 * @category models
 * @since 0.1.0
 */
export interface RunnerOptions {
  /** The loop scope's name (`loop-<n>` by default). */
  readonly name?: string | undefined
  /** As `run`'s: for tasks left at `close()` that raise while cancelled (default: `Effect.logError`). */
  readonly onShutdownError?: ((taskName: string, error: unknown) => Effect.Effect<void>) | undefined
  /**
   * The signals a `run` call handles itself while it runs — cancel the task, then reject with `KeyboardInterrupt` —
   * default SIGINT and SIGTERM; a handler of the program (`loop.addSignalHandler`) replaces that, as with `run`.
   * Python's `Runner` handles SIGINT.
   */
  readonly signals?: ReadonlyArray<Signal> | undefined
}

/**
 * Options of {@link Runner.run}.
 *
 * @category models
 * @since 0.1.0
 */
export interface RunnerRunOptions {
  /** The name of the task that runs `main` (Python 3.14's `Runner.run(coro, name=…)`). */
  readonly name?: string | undefined
}

/**
 * A loop scope kept open across `run` calls. asyncio's `asyncio.Runner`.
 *
 * @category models
 * @since 0.1.0
 */
export interface Runner {
  /**
   * Runs `main` as a task of the runner's loop and resolves with its result; rejects with its error (a defect as
   * itself), a `CancelledError` if it was cancelled by code, or a `KeyboardInterrupt` if a signal cancelled it (a
   * second signal rejects at once; the clean-up goes on in the loop). Tasks it created keep running after it returns,
   * until the next `run` awaits them or `close()` cancels them. Python's `runner.run(coro)` — and
   * `loop.run_until_complete(coro)`. A `RuntimeError` inside a running loop or after `close()`, a `TypeError` for
   * something that is not an Effect (Python: `ValueError`).
   */
  run<A, E>(main: Effect.Effect<A, E>, options?: RunnerRunOptions): Promise<A>
  /**
   * Runs the loop until `awaitable` is done and settles with its outcome, as `run` does. A task or a future (say, one
   * made with `getLoop().createTask` or `getLoop().createFuture()` before anything ran) is awaited as it is — no new
   * task — and a signal cancels it; an Effect is run as `run` runs it. Python's `loop.run_until_complete(future)`,
   * which accepts a future where `Runner.run` refuses one.
   */
  runUntilComplete<A, E>(awaitable: Task<A, E> | Effect.Effect<A, E>): Promise<A>
  /**
   * The runner's loop (started on first use), as a handle usable from outside any fiber: `createTask`, `callLater`,
   * `runCoroutineThreadsafe`, `addSignalHandler`, … Python's `runner.get_loop()`. A `RuntimeError` after `close()`.
   */
  getLoop(): Loop
  /**
   * Shuts the loop scope down — every task still pending is cancelled and awaited, finalizers included — and
   * resolves when it is done; idempotent. Python's `runner.close()`. A `RuntimeError` while a `run` is in progress.
   */
  close(): Promise<void>
}

const noop = (): void => {}

const runnerKeys = ["name", "onShutdownError", "signals"]

class RunnerImpl implements Runner {
  private state: "initialized" | "started" | "closing" | "closed" = "initialized"
  private loop: Loop | undefined = undefined
  private scope: Scope.Closeable | undefined = undefined
  private running = false
  private closing: Promise<void> | undefined = undefined
  private readonly overriding = overridingPort(userSignals)
  private readonly options: RunnerOptions
  private readonly signals: SignalSource

  constructor(options: RunnerOptions, signals: SignalSource) {
    this.options = options
    this.signals = signals
  }

  getLoop(): Loop {
    if (this.state === "closing" || this.state === "closed") {
      throw new RuntimeError('Runner.getLoop: the runner is closed (Python: "Runner is closed")')
    }
    return this.start()
  }

  private start(): Loop {
    if (this.loop !== undefined) return this.loop
    const scope = Scope.makeUnsafe()
    const layer = CoreLoop.layer({
      name: this.options.name,
      onShutdownError: this.options.onShutdownError,
      signals: this.overriding.port
    })
    // Building the loop scope and asking for its handle are synchronous: read the result at once.
    const fiber = Effect.runFork(
      Effect.flatMap(Layer.buildWithScope(layer, scope), (context) =>
        Effect.provideContext(getRunningLoop(), context)
      )
    )
    const exit = fiber.pollUnsafe()
    if (exit === undefined || exit._tag === "Failure") {
      fiber.interruptUnsafe()
      throw exit === undefined
        ? new RuntimeError("Runner: the loop scope did not start")
        : Cause.squash(exit.cause)
    }
    this.scope = scope
    this.loop = exit.value
    this.state = "started"
    return exit.value
  }

  run<A, E>(main: Effect.Effect<A, E>, options?: RunnerRunOptions): Promise<A> {
    const refused = this.refuse("Runner.run()")
    if (refused !== undefined) return Promise.reject(refused)
    if (!Effect.isEffect(main) || isFuture(main)) {
      const [got, hint] = isFuture(main)
        ? [
            isTask(main) ? `the Task ${main.name}` : `the future ${String(main)}`,
            "; await a task or a future with runUntilComplete"
          ]
        : [Validate.show(main), ""]
      return Promise.reject(
        new TypeError(
          `Runner.run: an Effect that is not a task or a future was expected, got ${got} (Python: "a coroutine was expected"${hint})`
        )
      )
    }
    let task: Task<A, E>
    try {
      const name = Validate.options("Runner.run", options, ["name"]).name
      task = this.start().createTask(main, { name })
    } catch (error) {
      return Promise.reject(error)
    }
    return this.settle(task)
  }

  runUntilComplete<A, E>(awaitable: Task<A, E> | Effect.Effect<A, E>): Promise<A> {
    const refused = this.refuse("Runner.runUntilComplete()")
    if (refused !== undefined) return Promise.reject(refused)
    if (isFuture(awaitable)) {
      this.start()
      return this.settle(awaitable)
    }
    if (!Effect.isEffect(awaitable)) {
      return Promise.reject(
        new TypeError(
          `Runner.runUntilComplete: an Effect, a task or a future was expected, got ${Validate.show(awaitable)}`
        )
      )
    }
    return this.run(awaitable)
  }

  /** Why `call` cannot run now: the runner is closed, or a run is in progress, or we are inside a fiber. */
  private refuse(call: string): RuntimeError | undefined {
    if (this.state === "closing" || this.state === "closed") {
      return new RuntimeError(`${call}: the runner is closed (Python: "Runner is closed")`)
    }
    if (Fiber.getCurrent() !== undefined || this.running) {
      return new RuntimeError(`${call} cannot be called from a running event loop`)
    }
    return undefined
  }

  /** Waits for `task` with the runner's signals on: a first signal cancels it, a second rejects at once. */
  private settle<A, E>(task: Task<A, E>): Promise<A> {
    this.running = true
    // Effect 4 has no keep-alive of its own: without a handle, Node exits while fibers wait on a Deferred.
    const keepAlive = setInterval(noop, 2 ** 31 - 1)
    return new Promise<A>((resolve, reject) => {
      let signal: Signal | undefined
      let settled = false
      const settle = (): void => {
        settled = true
        this.running = false
        clearInterval(keepAlive)
        unsubscribe()
      }
      const unsubscribe = this.signals((received) => {
        if (settled || this.overriding.overridden.has(received)) return
        if (signal === undefined) {
          signal = received
          cancelUnsafe(task, signalReason(received))
          return
        }
        settle()
        reject(new KeyboardInterrupt(received, true))
      }, this.options.signals ?? defaultSignals)
      task.fiber.addObserver(() => {
        if (settled) return
        settle()
        // result() hands the outcome over (nobody is to be told it was never retrieved).
        const exit = Effect.runSyncExit(task.result())
        if (exit._tag === "Success") return resolve(exit.value)
        const error = Cause.squash(exit.cause)
        const cancelledBySignal =
          signal !== undefined && error instanceof CancelledError && error.reason.kind === "signal"
        reject(cancelledBySignal ? new KeyboardInterrupt(signal!) : error)
      })
    })
  }

  close(): Promise<void> {
    if (this.running) {
      return Promise.reject(new RuntimeError("Runner.close: a run is in progress"))
    }
    if (this.closing !== undefined) return this.closing
    const scope = this.scope
    this.state = "closing"
    if (scope === undefined) {
      this.state = "closed"
      this.closing = Promise.resolve()
      return this.closing
    }
    const keepAlive = setInterval(noop, 2 ** 31 - 1)
    this.closing = Effect.runPromise(Scope.close(scope, Exit.void)).finally(() => {
      clearInterval(keepAlive)
      this.state = "closed"
    })
    return this.closing
  }
}

/**
 * A new {@link Runner}; its loop scope starts on the first `run` or `getLoop()`. asyncio's `asyncio.Runner()`.
 *
 * **Example** (Two runs on one loop)
 * ```ts
 * import * as asyncio from "@effect-asyncio/core"
 * import * as Runner from "@effect-asyncio/node/Runner"
 * import { Effect } from "effect"
 *
 * const runner = Runner.make()
 * const started = await runner.run(
 *   Effect.map(asyncio.createTask(asyncio.sleep(1, "background")), (task) => task)
 * )
 * const value = await runner.run(Effect.suspend(() => started)) // "background": the task lived on
 * await runner.close()
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (options?: RunnerOptions): Runner => {
  const call = "Runner.make"
  const checked = Validate.options(call, options, runnerKeys)
  Validate.name(call, checked.name)
  Validate.optionalFn(call, checked.onShutdownError, "onShutdownError")
  checkSignals(call, checked.signals)
  return new RunnerImpl(checked, processSignals)
}
